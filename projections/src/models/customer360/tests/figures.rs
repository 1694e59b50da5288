//! The customer's figures, each worked out by hand: money as of a date from dated facts,
//! lifetime value, credits, open pipeline per currency, order progress and quote expiry.

use ltc_domain::money::Bps;
use ltc_domain::opportunity::{ForecastCategory, OpportunityEvent, StageKey};
use ltc_domain::order::{
    CancellationId, FulfilmentId, InvoiceId, LineAmount, LineQuantity, OrderEvent, OrderStatus,
};
use ltc_domain::payment::{Allocation, CreditNoteId, PaymentEvent, RefundId, WriteOffId};
use ltc_domain::quote::QuoteEvent;

use super::events::*;
use super::world::{World, day};
use crate::models::customer360::list;

const CUSTOMER: u128 = 1;
const OPPORTUNITY: u128 = 2;
const QUOTE: u128 = 3;
const ORDER: u128 = 4;
const RECEIVABLE: u128 = 5;
const SECOND_RECEIVABLE: u128 = 6;

fn with_customer() -> World {
    let mut world = World::new();
    let at = world.now();
    world.append(id(CUSTOMER), &customer_created(id(CUSTOMER), "Acme", at));
    world
}

/// One invoice of 600.00 due Feb 1 and 400.00 due Mar 1, paid late and over; a second of
/// 200.00 due Mar 15, credited 50.00 and written off for the rest.
fn money_history() -> World {
    let mut world = with_customer();
    let (customer, order) = (id(CUSTOMER), id(ORDER));
    world.on(1, 20);
    let at = world.now();
    let schedule = [(day(2, 1), eur(60_000)), (day(3, 1), eur(40_000))];
    world
        .append(id(RECEIVABLE), &receivable_opened(id(RECEIVABLE), order, customer, &schedule, at));
    // Recorded on Feb 12, received on Feb 10: the business date is what counts.
    world.on(2, 12);
    let at = world.now();
    world.append(id(RECEIVABLE), &received(0x71, &[(0, eur(60_000))], eur(0), day(2, 10), at));
    world.on(3, 1);
    let at = world.now();
    let schedule = [(day(3, 15), eur(20_000))];
    let second = receivable_opened(id(SECOND_RECEIVABLE), order, customer, &schedule, at);
    world.append(id(SECOND_RECEIVABLE), &second);
    world.on(3, 5);
    let at = world.now();
    world.append(id(RECEIVABLE), &received(0x72, &[(1, eur(40_000))], eur(5_000), day(3, 5), at));
    world.on(3, 10);
    let refunded_on = day(3, 10);
    let refund = PaymentEvent::CreditRefunded {
        refund_id: RefundId(id(0x73)),
        amount: eur(3_000),
        reference: "back to the customer".into(),
        refunded_on,
        at: world.now(),
    };
    world.append(id(RECEIVABLE), &refund);
    world.on(3, 20);
    let credit_note = PaymentEvent::CreditNoteIssued {
        credit_note_id: CreditNoteId(id(0x74)),
        amount: eur(5_000),
        reason: "one seat never used".into(),
        issued_on: day(3, 20),
        allocations: vec![Allocation { instalment_idx: 0, amount: eur(5_000) }],
        at: world.now(),
    };
    world.append(id(SECOND_RECEIVABLE), &credit_note);
    world.on(3, 25);
    let write_off = PaymentEvent::WrittenOff {
        write_off_id: WriteOffId(id(0x75)),
        amount: eur(15_000),
        reason: "customer in administration".into(),
        written_off_on: day(3, 25),
        allocations: vec![Allocation { instalment_idx: 0, amount: eur(15_000) }],
        at: world.now(),
    };
    world.append(id(SECOND_RECEIVABLE), &write_off);
    world
}

#[test]
fn open_ar_and_overdue_as_of_a_date_count_only_what_was_due_and_paid_by_then() {
    let world = money_history();
    let figures = |month, d| world.view(id(CUSTOMER), day(month, d)).figures;

    let before_any_due = figures(1, 31);
    assert_eq!((before_any_due.open_ar, before_any_due.overdue), (vec![eur(100_000)], vec![]));

    let due_today = figures(2, 1);
    assert_eq!(due_today.overdue, vec![], "what falls due today is not overdue until tomorrow");

    let first_due_unpaid = figures(2, 5);
    assert_eq!(first_due_unpaid.open_ar, vec![eur(100_000)]);
    assert_eq!(first_due_unpaid.overdue, vec![eur(60_000)], "600.00 was due on Feb 1");

    let paid_back_dated = figures(2, 10);
    assert_eq!((paid_back_dated.open_ar, paid_back_dated.overdue), (vec![eur(40_000)], vec![]));

    let second_due_and_second_invoice = figures(3, 2);
    assert_eq!(second_due_and_second_invoice.open_ar, vec![eur(40_000 + 20_000)]);
    assert_eq!(second_due_and_second_invoice.overdue, vec![eur(40_000)]);

    let all_settled = figures(3, 31);
    assert_eq!((all_settled.open_ar, all_settled.overdue), (vec![], vec![]));
}

#[test]
fn a_receivable_opened_after_the_date_is_not_yet_owed() {
    let world = money_history();
    let view = world.view(id(CUSTOMER), day(2, 28));
    assert_eq!(view.receivables.len(), 1, "the second invoice opens on Mar 1");
    let view = world.view(id(CUSTOMER), day(3, 31));
    let second = &view.receivables[1];
    assert_eq!(
        (second.credited, second.written_off, second.outstanding),
        (eur(5_000), eur(15_000), eur(0))
    );
    assert_eq!(second.paid, eur(0));
}

#[test]
fn lifetime_value_is_cash_received_less_refunds_and_credit_notes_and_write_offs_do_not_count() {
    let world = money_history();
    let figures = world.view(id(CUSTOMER), day(3, 31)).figures;
    // 600.00 + 450.00 received (50.00 of it kept as credit), 30.00 refunded.
    assert_eq!(figures.lifetime_value, vec![eur(60_000 + 45_000 - 3_000)]);
    assert_eq!(figures.credit_balance, vec![eur(5_000 - 3_000)]);
    let before_the_second_payment = world.view(id(CUSTOMER), day(3, 4)).figures;
    assert_eq!(before_the_second_payment.lifetime_value, vec![eur(60_000)]);
    assert_eq!(before_the_second_payment.credit_balance, vec![]);
}

#[test]
fn credits_list_the_overpayment_the_refund_and_the_credit_note_in_order() {
    let world = money_history();
    let credits = world.view(id(CUSTOMER), day(3, 31)).credits;
    let seen: Vec<(String, i64)> =
        credits.iter().map(|credit| (credit.kind.clone(), credit.amount.amount_minor)).collect();
    let expected = [("overpayment", 5_000), ("refund", 3_000), ("credit_note", 5_000)];
    assert_eq!(seen, expected.map(|(kind, amount)| (kind.to_owned(), amount)));
}

#[test]
fn open_pipeline_adds_open_deals_per_currency_and_leaves_out_won_and_lost_ones() {
    let mut world = with_customer();
    let customer = id(CUSTOMER);
    for (n, amount) in [
        (10, eur(100_000)),
        (11, usd(50_000)),
        (12, eur(30_000)),
        (13, eur(20_000)),
        (14, eur(70_000)),
    ] {
        let at = world.now();
        world.append(id(n), &opened(id(n), customer, &format!("deal {n}"), amount, at));
    }
    let won = OpportunityEvent::Won {
        stage: StageKey::new("closed_won"),
        amount: eur(30_000),
        at: world.now(),
    };
    world.append(id(12), &won);
    for lost in [13, 14] {
        let event = OpportunityEvent::Lost {
            stage: StageKey::new("closed_lost"),
            reason: "budget".into(),
            competitor: None,
            at: world.now(),
        };
        world.append(id(lost), &event);
    }
    let reopened = OpportunityEvent::Reopened {
        to: StageKey::new("proposal"),
        probability: Bps(5_000),
        forecast_category: ForecastCategory::BestCase,
        at: world.now(),
    };
    world.append(id(14), &reopened);

    let view = world.view(customer, day(3, 31));
    assert_eq!(view.figures.open_pipeline, vec![eur(100_000 + 70_000), usd(50_000)]);
    let listed = list(&world.project()).expect("the list");
    assert_eq!(listed[0].open_pipeline, view.figures.open_pipeline);
    let statuses: Vec<&str> = view.opportunities.iter().map(|o| o.status.as_str()).collect();
    assert_eq!(statuses, ["open", "open", "won", "lost", "open"]);
}

#[test]
fn an_order_shows_its_status_and_how_much_is_fulfilled_and_invoiced_of_what_is_still_ordered() {
    let mut world = with_customer();
    let (customer, order) = (id(CUSTOMER), id(ORDER));
    let at = world.now();
    world.append(order, &placed(order, id(QUOTE), customer, 10, 10_000, at));
    world.append(order, &OrderEvent::Confirmed { at: world.now() });
    let fulfil = |n: u128, quantity, at| OrderEvent::Fulfilled {
        fulfilment_id: FulfilmentId(id(n)),
        lines: vec![LineQuantity { line: 0, quantity }],
        at,
    };
    world.append(order, &fulfil(0xf1, 4, world.now()));
    world.append(
        order,
        &OrderEvent::Invoiced {
            invoice_id: InvoiceId(id(0x11)),
            lines: vec![LineAmount { line: 0, quantity: 3, amount: eur(30_000) }],
            amount: eur(30_000),
            instalments: vec![],
            at: world.now(),
        },
    );
    world.append(
        order,
        &OrderEvent::LinesCancelled {
            cancellation_id: CancellationId(id(0xcc)),
            lines: vec![LineAmount { line: 0, quantity: 2, amount: eur(20_000) }],
            amount: eur(20_000),
            reason: "fewer seats".into(),
            at: world.now(),
        },
    );
    let row = world.view(customer, day(3, 31)).orders.remove(0);
    // 8 units still ordered: 4 delivered is 50 %; 300.00 of 800.00 invoiced is 37.5 %.
    assert_eq!((row.fulfilled_bps, row.invoiced_bps), (5_000, 3_750));
    assert_eq!(row.status, OrderStatus::ToDeliverAndBill);
    assert_eq!((row.cancelled, row.invoiced), (eur(20_000), eur(30_000)));

    world.append(order, &fulfil(0xf2, 4, world.now()));
    let row = world.view(customer, day(3, 31)).orders.remove(0);
    assert_eq!((row.fulfilled_bps, row.status), (10_000, OrderStatus::ToBill));
}

#[test]
fn an_open_quote_shows_expired_the_day_after_its_validity_and_an_accepted_one_never_does() {
    let mut world = with_customer();
    let customer = id(CUSTOMER);
    let at = world.now();
    world.append(id(OPPORTUNITY), &opened(id(OPPORTUNITY), customer, "Seats", eur(100_000), at));
    for quote in [0x31, 0x32] {
        let at = world.now();
        let created =
            quote_created(id(quote), id(OPPORTUNITY), customer, eur(100_000), day(2, 28), at);
        world.append(id(quote), &created);
        world.append(id(quote), &QuoteEvent::Sent { version: 1, on: day(1, 6), at: world.now() });
    }
    let accepted = QuoteEvent::Accepted {
        version: 1,
        opportunity_id: ltc_domain::ids::OpportunityId(id(OPPORTUNITY)),
        total: eur(100_000),
        on: day(1, 7),
        at: world.now(),
    };
    world.append(id(0x32), &accepted);
    let statuses = |month, d| -> Vec<String> {
        world.view(customer, day(month, d)).quotes.into_iter().map(|quote| quote.status).collect()
    };
    assert_eq!(statuses(2, 28), ["sent", "accepted"]);
    assert_eq!(statuses(3, 1), ["expired", "accepted"]);
    let deals: Vec<Option<String>> =
        world.view(customer, day(3, 1)).quotes.into_iter().map(|quote| quote.deal).collect();
    assert_eq!(deals, [Some("Seats".to_owned()), Some("Seats".to_owned())]);
}
