//! Collections figures for a small history worked by hand: two EUR invoices and one USD invoice,
//! paid in part, credited, overpaid and refunded, written off, and left unpaid.

use chrono::NaiveDate;
use expect_test::expect;
use ltc_domain::ids::{CustomerId, OrderId, PaymentId};
use ltc_domain::money::Money;
use ltc_domain::payment::{
    CreditNoteId, InstalmentDue, PaymentCommand, PaymentDecider, PaymentEvent, PaymentMethod,
    ReceiptId, RefundId, WriteOffId,
};
use rusqlite::Connection;
use uuid::Uuid;

use super::test_world::{TestStream, TestWorld, day, eur, finance, noon, usd};
use super::*;
use crate::models::period::Period;

const ANNA: CustomerId = CustomerId(Uuid::from_u128(0xa));
const BERT: CustomerId = CustomerId(Uuid::from_u128(0xb));

struct History {
    world: TestWorld,
    n_documents: u128,
}

impl History {
    fn open(
        &mut self,
        id: u128,
        customer: CustomerId,
        on: NaiveDate,
        schedule: &[(NaiveDate, Money)],
    ) -> TestStream<PaymentDecider> {
        let mut stream = TestStream::new("payment", Uuid::from_u128(id), PaymentEvent::event_type);
        let total =
            schedule.iter().fold(Money::zero(schedule[0].1.currency), |sum, (_, amount)| {
                sum.checked_add(*amount).unwrap()
            });
        let command = PaymentCommand::OpenReceivable {
            receivable_id: PaymentId(Uuid::from_u128(id)),
            invoice_reference: format!("INV-{id}"),
            order_id: OrderId(Uuid::from_u128(id << 8)),
            customer_id: customer,
            total,
            schedule: schedule
                .iter()
                .map(|(due_on, amount)| InstalmentDue { due_on: *due_on, amount: *amount })
                .collect(),
        };
        self.world.decide(&mut stream, command, &finance(), noon(on));
        stream
    }

    fn next_document(&mut self) -> Uuid {
        self.n_documents += 1;
        Uuid::from_u128(0xd0c << 64 | self.n_documents)
    }

    fn pay(&mut self, stream: &mut TestStream<PaymentDecider>, on: NaiveDate, amount: Money) {
        let receipt_id = ReceiptId(self.next_document());
        let command = PaymentCommand::ReceivePayment {
            receipt_id,
            amount,
            method: PaymentMethod::BankTransfer,
            reference: "bank".into(),
            received_on: on,
        };
        self.world.decide(stream, command, &finance(), noon(on));
    }

    fn refund(&mut self, stream: &mut TestStream<PaymentDecider>, on: NaiveDate, amount: Money) {
        let refund_id = RefundId(self.next_document());
        let command = PaymentCommand::RefundCredit {
            refund_id,
            amount,
            reference: "bank".into(),
            refunded_on: on,
        };
        self.world.decide(stream, command, &finance(), noon(on));
    }

    fn credit_note(
        &mut self,
        stream: &mut TestStream<PaymentDecider>,
        on: NaiveDate,
        amount: Money,
    ) {
        let credit_note_id = CreditNoteId(self.next_document());
        let command = PaymentCommand::IssueCreditNote {
            credit_note_id,
            amount,
            reason: "damaged".into(),
            issued_on: on,
        };
        self.world.decide(stream, command, &finance(), noon(on));
    }

    fn write_off(&mut self, stream: &mut TestStream<PaymentDecider>, on: NaiveDate, amount: Money) {
        let write_off_id = WriteOffId(self.next_document());
        let command = PaymentCommand::WriteOff {
            write_off_id,
            amount,
            reason: "insolvent".into(),
            written_off_on: on,
        };
        self.world.decide(stream, command, &finance(), noon(on));
    }
}

/// Given the hand-worked history, the read model built from it.
///
/// - Anna, EUR 1,000.00 invoiced 2026-01-10, due 400.00 on 01-31 and 600.00 on 02-28: pays
///   300.00 on 02-05, gets a 50.00 credit note on 02-20, pays 800.00 on 03-10 (the last 50.00
///   of the first instalment, the whole second, 150.00 left as credit), is refunded 100.00 on
///   03-15.
/// - Bert, EUR 500.00 invoiced 2026-02-01, due 03-03: 200.00 written off on 06-30.
/// - Bert, USD 700.00 invoiced 2026-03-01, due 03-31: never paid.
///
/// The world is returned too: its temporary directory holds the read-model file.
fn given_the_history() -> (TestWorld, Connection) {
    let mut history = History { world: TestWorld::new(), n_documents: 0 };
    let mut anna = history.open(
        1,
        ANNA,
        day(2026, 1, 10),
        &[(day(2026, 1, 31), eur(40_000)), (day(2026, 2, 28), eur(60_000))],
    );
    let mut bert_eur = history.open(2, BERT, day(2026, 2, 1), &[(day(2026, 3, 3), eur(50_000))]);
    history.pay(&mut anna, day(2026, 2, 5), eur(30_000));
    history.credit_note(&mut anna, day(2026, 2, 20), eur(5_000));
    history.open(3, BERT, day(2026, 3, 1), &[(day(2026, 3, 31), usd(70_000))]);
    history.pay(&mut anna, day(2026, 3, 10), eur(80_000));
    history.refund(&mut anna, day(2026, 3, 15), eur(10_000));
    history.write_off(&mut bert_eur, day(2026, 6, 30), eur(20_000));
    let conn = history.world.project(Box::new(Collections));
    (history.world, conn)
}

fn buckets(row: &AgingRow) -> [i64; 6] {
    [
        row.current_minor,
        row.days_1_30_minor,
        row.days_31_60_minor,
        row.days_61_90_minor,
        row.days_91_120_minor,
        row.over_120_minor,
    ]
}

#[test]
fn aging_counts_what_was_open_at_the_end_of_the_day_by_days_past_due() {
    let (_world, conn) = given_the_history();
    // Anna's first instalment: 400 − 300 − 50 = 50 open, 28 days past due. Her second is due
    // that very day, so not yet overdue; Bert's EUR invoice is due in March. His USD invoice was
    // not yet issued.
    let rows = aging(&conn, day(2026, 2, 28)).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].currency, "EUR");
    assert_eq!(buckets(&rows[0]), [110_000, 5_000, 0, 0, 0, 0]);
    assert_eq!((rows[0].overdue_minor, rows[0].outstanding_minor), (5_000, 115_000));

    // Bert's EUR invoice, due 03-03, is 134 days past due on 07-15 with 300 left after the
    // write-off; his USD invoice, due 03-31, is 106 days past due. Anna owes nothing.
    let rows = aging(&conn, day(2026, 7, 15)).unwrap();
    let by_currency: Vec<(&str, [i64; 6])> =
        rows.iter().map(|row| (row.currency.as_str(), buckets(row))).collect();
    assert_eq!(by_currency, [("EUR", [0, 0, 0, 0, 0, 30_000]), ("USD", [0, 0, 0, 0, 70_000, 0])]);
}

#[test]
fn the_same_history_ages_into_each_bucket_as_the_as_of_date_moves() {
    let (_world, conn) = given_the_history();
    let eur_row =
        |as_of| aging(&conn, as_of).unwrap().into_iter().find(|row| row.currency == "EUR").unwrap();
    // Bert's 500 EUR, due 03-03, is all that is open in EUR from 03-10 on.
    // On 03-03 Anna still owes 50 of her first instalment (due 01-31, 31 days ago) and all 600
    // of her second (due 02-28, 3 days ago).
    assert_eq!(
        buckets(&eur_row(day(2026, 3, 3))),
        [50_000, 60_000, 5_000, 0, 0, 0],
        "due today is current"
    );
    assert_eq!(buckets(&eur_row(day(2026, 4, 2))), [0, 50_000, 0, 0, 0, 0], "30 days");
    assert_eq!(buckets(&eur_row(day(2026, 4, 3))), [0, 0, 50_000, 0, 0, 0], "31 days");
    assert_eq!(buckets(&eur_row(day(2026, 6, 1))), [0, 0, 0, 50_000, 0, 0], "90 days");
    assert_eq!(buckets(&eur_row(day(2026, 6, 2))), [0, 0, 0, 0, 50_000, 0], "91 days");
    assert_eq!(
        buckets(&eur_row(day(2026, 7, 1))),
        [0, 0, 0, 0, 30_000, 0],
        "120 days, after the write-off"
    );
    assert_eq!(buckets(&eur_row(day(2026, 7, 2))), [0, 0, 0, 0, 0, 30_000], "121 days");
}

#[test]
fn aging_by_customer_splits_the_totals_and_leaves_out_who_owes_nothing() {
    let (_world, conn) = given_the_history();
    let rows = aging_by_customer(&conn, day(2026, 3, 31)).unwrap();
    let owed: Vec<(Option<String>, String, i64)> = rows
        .iter()
        .map(|row| (row.customer_id.clone(), row.currency.clone(), row.outstanding_minor))
        .collect();
    let bert = Some(BERT.0.to_string());
    assert_eq!(owed, [(bert.clone(), "EUR".into(), 50_000), (bert, "USD".into(), 70_000)]);
}

#[test]
fn collections_per_month_carry_balances_through_quiet_months() {
    let (_world, conn) = given_the_history();
    let rows = collections(&conn, Period::Month, false).unwrap();
    expect![[r#"
        period   currency  invoiced  collected  refunded  credited  written off  outstanding  credit
        -------  --------  --------  ---------  --------  --------  -----------  -----------  ------
        2026-01  EUR       1,000.00       0.00      0.00      0.00         0.00     1,000.00    0.00
        2026-02  EUR         500.00     300.00      0.00     50.00         0.00     1,150.00    0.00
        2026-03  EUR           0.00     800.00    100.00      0.00         0.00       500.00   50.00
        2026-03  USD         700.00       0.00      0.00      0.00         0.00       700.00    0.00
        2026-04  EUR           0.00       0.00      0.00      0.00         0.00       500.00   50.00
        2026-04  USD           0.00       0.00      0.00      0.00         0.00       700.00    0.00
        2026-05  EUR           0.00       0.00      0.00      0.00         0.00       500.00   50.00
        2026-05  USD           0.00       0.00      0.00      0.00         0.00       700.00    0.00
        2026-06  EUR           0.00       0.00      0.00      0.00       200.00       300.00   50.00
        2026-06  USD           0.00       0.00      0.00      0.00         0.00       700.00    0.00
    "#]]
    .assert_eq(&render_collections(&rows));
    // Each month's closing outstanding is what aging says on its last day.
    for row in &rows {
        let (_, _, last_day) = Period::bounds(&row.period).unwrap();
        let aged = aging(&conn, last_day).unwrap();
        let aged = aged
            .iter()
            .find(|aged| aged.currency == row.currency)
            .map_or(0, |aged| aged.outstanding_minor);
        assert_eq!(aged, row.outstanding_minor, "{}", row.period);
    }
}

#[test]
fn collections_per_quarter_and_customer_sum_the_months() {
    let (_world, conn) = given_the_history();
    let mut rows = collections(&conn, Period::Quarter, true).unwrap();
    for row in &mut rows {
        let name = if row.customer_id == Some(ANNA.0.to_string()) { "anna" } else { "bert" };
        row.customer_id = Some(name.into());
    }
    let text = render_collections(&rows);
    expect![[r#"
        period   customer  currency  invoiced  collected  refunded  credited  written off  outstanding  credit
        -------  --------  --------  --------  ---------  --------  --------  -----------  -----------  ------
        2026-Q1  anna      EUR       1,000.00   1,100.00    100.00     50.00         0.00         0.00   50.00
        2026-Q1  bert      EUR         500.00       0.00      0.00      0.00         0.00       500.00    0.00
        2026-Q1  bert      USD         700.00       0.00      0.00      0.00         0.00       700.00    0.00
        2026-Q2  anna      EUR           0.00       0.00      0.00      0.00         0.00         0.00   50.00
        2026-Q2  bert      EUR           0.00       0.00      0.00      0.00       200.00       300.00    0.00
        2026-Q2  bert      USD           0.00       0.00      0.00      0.00         0.00       700.00    0.00
    "#]]
    .assert_eq(&text);
}

#[test]
fn dso_is_outstanding_over_the_windows_sales_times_its_days() {
    let (_world, conn) = given_the_history();
    // On 03-31, 500 EUR is owed against 1,500 EUR invoiced in the 90 days: 30 days. The USD
    // invoice of the window is wholly unpaid: 90 days.
    let rows = dso(&conn, day(2026, 3, 31), 90).unwrap();
    let figures: Vec<(&str, i64, i64, Option<i64>)> = rows
        .iter()
        .map(|row| (row.currency.as_str(), row.outstanding_minor, row.invoiced_minor, row.dso_days))
        .collect();
    assert_eq!(figures, [("EUR", 50_000, 150_000, Some(30)), ("USD", 70_000, 70_000, Some(90))]);
    // Nothing invoiced in the 30 days to 07-15: DSO is undefined, not zero or infinite.
    let rows = dso(&conn, day(2026, 7, 15), 30).unwrap();
    assert!(rows.iter().all(|row| row.dso_days.is_none()), "{rows:?}");
    expect![[r#"
        currency  as of       window  outstanding  invoiced  DSO
        --------  ----------  ------  -----------  --------  ---
        EUR       2026-07-15    30 d       300.00      0.00  n/a
        USD       2026-07-15    30 d       700.00      0.00  n/a
    "#]]
    .assert_eq(&render_dso(&rows));
    assert!(matches!(dso(&conn, day(2026, 7, 15), 0), Err(QueryError::DsoWindow(0))));
}

#[test]
fn aging_renders_one_line_per_currency_with_every_bucket() {
    let (_world, conn) = given_the_history();
    expect![[r#"
        AR aging as of 2026-07-15
        currency  current  1-30  31-60  61-90  91-120    >120  overdue  outstanding
        --------  -------  ----  -----  -----  ------  ------  -------  -----------
        EUR          0.00  0.00   0.00   0.00    0.00  300.00   300.00       300.00
        USD          0.00  0.00   0.00   0.00  700.00    0.00   700.00       700.00
    "#]]
    .assert_eq(&render_aging(day(2026, 7, 15), &aging(&conn, day(2026, 7, 15)).unwrap()));
}

#[test]
fn an_empty_read_model_answers_with_no_rows() {
    let world = TestWorld::new();
    let conn = world.project(Box::new(Collections));
    assert!(aging(&conn, day(2026, 1, 1)).unwrap().is_empty());
    assert!(collections(&conn, Period::Month, true).unwrap().is_empty());
    assert!(dso(&conn, day(2026, 1, 1), 30).unwrap().is_empty());
}
