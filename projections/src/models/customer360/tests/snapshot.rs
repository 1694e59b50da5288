//! The customer rendered as text, and the customer list, for a small fixed history: a lead that
//! converts, a deal quoted and won, an order delivered and invoiced in two instalments, one paid.

use expect_test::expect;
use ltc_domain::money::Bps;
use ltc_domain::opportunity::{OpportunityEvent, StageKey};
use ltc_domain::order::{Instalment, InvoiceId, LineAmount, OrderEvent};
use ltc_domain::quote::QuoteEvent;

use super::events::*;
use super::world::{World, day};
use crate::ProjectorError;
use crate::models::customer360::{customer, list, render, render_list, timeline};

fn small_history() -> World {
    let mut world = World::new();
    let (customer, deal, quote, order, receivable) = (id(1), id(2), id(3), id(4), id(5));
    let at = world.now();
    world.append(customer, &customer_created(customer, "Acme", at));
    let at = world.now();
    world.append(deal, &opened(deal, customer, "Acme seats", eur(200_000), at));
    world.on(1, 12);
    let at = world.now();
    world.append(quote, &quote_created(quote, deal, customer, eur(200_000), day(2, 28), at));
    world.append(quote, &QuoteEvent::Sent { version: 1, on: day(1, 12), at: world.now() });
    world.on(1, 19);
    let accepted = QuoteEvent::Accepted {
        version: 1,
        opportunity_id: ltc_domain::ids::OpportunityId(deal),
        total: eur(200_000),
        on: day(1, 19),
        at: world.now(),
    };
    world.append(quote, &accepted);
    let at = world.now();
    world.append_as(order, &placed(order, quote, customer, 20, 10_000, at), "Admin:0190", true);
    let won = OpportunityEvent::Won {
        stage: StageKey::new("closed_won"),
        amount: eur(200_000),
        at: world.now(),
    };
    world.append(deal, &won);
    world.append(order, &OrderEvent::Confirmed { at: world.now() });
    world.on(1, 26);
    let schedule = [(day(2, 25), eur(100_000)), (day(3, 27), eur(100_000))];
    let invoiced = OrderEvent::Invoiced {
        invoice_id: InvoiceId(receivable),
        lines: vec![LineAmount { line: 0, quantity: 20, amount: eur(200_000) }],
        amount: eur(200_000),
        instalments: schedule
            .iter()
            .map(|&(due_on, amount)| Instalment { share: Bps(5_000), amount, due_on })
            .collect(),
        at: world.now(),
    };
    world.append_as(order, &invoiced, "Finance:0190", false);
    let at = world.now();
    let opened_receivable = receivable_opened(receivable, order, customer, &schedule, at);
    world.append_as(receivable, &opened_receivable, "Admin:0190", true);
    world.on(2, 20);
    let at = world.now();
    let payment = received(0x71, &[(0, eur(100_000))], eur(0), day(2, 20), at);
    world.append_as(receivable, &payment, "Finance:0190", false);
    world
}

#[test]
fn a_small_history_renders_as_this_text() {
    let world = small_history();
    let conn = world.project();
    let view = customer(&conn, id(1), day(3, 31)).expect("the query").expect("the customer");
    let lines = timeline(&conn, id(1), 100).expect("the timeline");
    expect![[r#"
        Customer Acme (00000001)  as of 2026-03-31
        key tier · software · north region · owner 000000e9 · credit limit 50,000.00 EUR
        direct · created 2026-01-05 09:00 · tags: none

        lifetime value  1,000.00 EUR
        open pipeline   none
        open AR         1,000.00 EUR
        overdue         1,000.00 EUR
        credit balance  none
        last activity   2026-02-20 09:00

        Contacts (0)

        Leads (0)

        Opportunities (1)
          NAME       STATUS STAGE            AMOUNT     PROB CLOSE
          Acme seats won    closed_won 2,000.00 EUR 100.00 % 2026-01-19

        Quotes (1)
          DEAL       VERSION STATUS          TOTAL VALID UNTIL
          Acme seats      v1 accepted 2,000.00 EUR 2026-02-28

        Orders (1)
          DEAL       STATUS           TOTAL FULFILLED INVOICED PAID ON
          Acme seats ToDeliver 2,000.00 EUR    0.00 % 100.00 % -

        Invoices and receivables (1)
          INVOICE OPENED            TOTAL         PAID  OUTSTANDING      OVERDUE NEXT DUE
          INV-5   2026-01-26 2,000.00 EUR 1,000.00 EUR 1,000.00 EUR 1,000.00 EUR 2026-03-27

        Credits (0)

        Timeline (11 line(s))
          2026-01-05 09:00  sales rep     customer Acme created: key tier, north region, software
          2026-01-05 09:01  sales rep     opportunity "Acme seats" opened at 2000.00 EUR in qualification (10.00 % likely), expected to close 2026-03-31
          2026-01-12 09:00  sales rep     quote v1 for "Acme seats" priced: 0 line(s), total 2000.00 EUR, valid until 2026-02-28
          2026-01-12 09:01  sales rep     quote v1 for "Acme seats" sent to the customer on 2026-01-12
          2026-01-19 09:00  sales rep     quote v1 for "Acme seats" accepted by the customer on 2026-01-19 at 2000.00 EUR
          2026-01-19 09:01  automation    order for "Acme seats" placed: 1 line(s), 2000.00 EUR; payment terms 100.00 % at 0 days
          2026-01-19 09:02  sales rep     "Acme seats" WON at 2000.00 EUR
          2026-01-19 09:03  sales rep     order for "Acme seats" confirmed
          2026-01-26 09:00  finance       order for "Acme seats" invoiced 2000.00 EUR: 1000.00 EUR due 2026-02-25, 1000.00 EUR due 2026-03-27
          2026-01-26 09:01  automation    invoice INV-5 open for 2000.00 EUR in 2 instalment(s), first due 2026-02-25
          2026-02-20 09:00  finance       payment of 1000.00 EUR on invoice INV-5 received by bank transfer on 2026-02-20
    "#]].assert_eq(&render(&view, &lines));
}

#[test]
fn the_customer_list_renders_as_this_table() {
    let world = small_history();
    let rows = list(&world.project()).expect("the list");
    expect![[r#"
        ID       NAME TIER OWNER    OPEN PIPELINE      OPEN AR
        00000001 Acme key  000000e9          none 1,000.00 EUR
    "#]]
    .assert_eq(&render_list(&rows));
}

#[test]
fn an_unknown_customer_has_no_view_and_an_empty_timeline() {
    let world = small_history();
    let conn = world.project();
    assert_eq!(customer(&conn, id(99), day(3, 31)).expect("the query"), None);
    assert_eq!(timeline(&conn, id(99), 10).expect("the timeline"), vec![]);
}

#[test]
fn an_event_of_a_stream_whose_first_event_never_came_stops_the_projector() {
    let mut world = World::new();
    world.append(id(3), &QuoteEvent::Sent { version: 1, on: day(1, 5), at: world.now() });
    match world.try_project() {
        Err(ProjectorError::Apply { projection: "customer360", position: 1, .. }) => {}
        other => panic!("expected an apply error at position 1, got {other:?}"),
    }
}
