//! Quotes through the engine: priced from the company's books for the customer's tier and region,
//! owned like their opportunity, submitted under the company's limits, sent and accepted today,
//! and never a second accepted quote for one opportunity.

use ltc_domain::money::Bps;
use ltc_domain::quote::{
    ApprovalPolicy, CustomerTier, QuoteDecider, QuoteEvent, QuoteState, Region, Status,
};

use super::*;
use crate::engine::EngineError;

const SECOND_QUOTE: QuoteId = QuoteId(Uuid::from_u128(0x9007f));

fn quote_of(fixture: &Fixture, quote_id: QuoteId) -> ltc_domain::quote::Quote {
    match fixture.engine.paths().quotes.state_of(quote_id.0).expect("the quote loads") {
        QuoteState::Created(quote) => quote,
        QuoteState::NotCreated => panic!("quote {quote_id} was not created"),
    }
}

#[tokio::test]
async fn a_quote_is_priced_from_the_key_tier_book_of_the_customers_region_on_todays_date() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.submitted_quote(QUOTE, vec![seats(10, 0)]).await;

    let quote = quote_of(&fixture, QUOTE);
    let terms = &quote.current().terms;
    assert_eq!(terms.region, Region("north".into()));
    assert_eq!(terms.tier, CustomerTier("key".into()));
    assert_eq!(terms.pricing_date, fixture.today());
    // The north key-tier book sells a seat at 102.00 EUR (list 120.00, north book 110.00).
    assert_eq!(quote.current().total, eur(102_000));
    assert_eq!(quote.customer_id, ACME);
    assert_eq!((quote.ownership.owner, quote.ownership.team), (ALICE, Some(EAST)));
}

#[tokio::test]
async fn a_quote_for_an_opportunity_that_does_not_exist_is_not_found() {
    let mut fixture = fixture();
    let create = QuoteRequest::Create {
        opportunity_id: DEAL,
        currency: None,
        valid_until: None,
        lines: vec![seats(1, 0)],
    };
    let error = fixture.send(rep(), Command::Quote { quote_id: QUOTE, command: create }).await;
    assert!(matches!(error, Err(EngineError::NotFound { kind: "opportunity", .. })), "{error:?}");
    assert_eq!(fixture.store.head().position, 0, "nothing is appended");
}

#[tokio::test]
async fn submission_applies_the_companys_approval_limits_and_a_manager_approves_above_them() {
    let strict = ApprovalPolicy { sales_rep_discount_bps_max: Bps(500), ..Default::default() };
    let mut fixture = fixture_with(|settings| settings.approval = strict);
    fixture.customer_with_deal().await;
    fixture.submitted_quote(QUOTE, vec![seats(10, 800)]).await;
    assert_eq!(quote_of(&fixture, QUOTE).current().status, Status::PendingApproval);
    fixture.ok(manager(), Command::Quote { quote_id: QUOTE, command: QuoteRequest::Approve }).await;
    assert_eq!(quote_of(&fixture, QUOTE).current().status, Status::Approved);

    let mut fixture = super::fixture();
    fixture.customer_with_deal().await;
    fixture.submitted_quote(QUOTE, vec![seats(10, 800)]).await;
    assert_eq!(quote_of(&fixture, QUOTE).current().status, Status::Approved);
}

#[tokio::test]
async fn a_quote_is_sent_and_accepted_on_todays_date() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.submitted_quote(QUOTE, vec![seats(10, 0)]).await;
    fixture.ok(rep(), Command::Quote { quote_id: QUOTE, command: QuoteRequest::Send }).await;
    let QuoteEvent::Sent { on, .. } = last_event::<QuoteDecider>(&fixture, QUOTE.0) else {
        panic!("the last event is not QuoteSent");
    };
    assert_eq!(on, fixture.today());

    fixture.clock.advance(chrono::TimeDelta::days(3));
    fixture.ok(rep(), Command::Quote { quote_id: QUOTE, command: QuoteRequest::Accept }).await;
    let QuoteEvent::Accepted { on, .. } = last_event::<QuoteDecider>(&fixture, QUOTE.0) else {
        panic!("the last event is not QuoteAccepted");
    };
    assert_eq!(on, NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
}

#[tokio::test]
async fn a_second_accepted_quote_for_one_opportunity_is_refused_even_by_a_restarted_engine() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.accepted_quote(QUOTE).await;
    fixture.submitted_quote(SECOND_QUOTE, vec![seats(12, 0)]).await;
    fixture.ok(rep(), Command::Quote { quote_id: SECOND_QUOTE, command: QuoteRequest::Send }).await;

    let settings = fixture.engine.settings().clone();
    fixture.engine = Engine::open(fixture.store.clone(), fixture.clock.clone(), settings).unwrap();
    let head = fixture.store.head().position;
    let accept = Command::Quote { quote_id: SECOND_QUOTE, command: QuoteRequest::Accept };
    let error = fixture.send(rep(), accept).await.expect_err("the second accept is refused");
    assert_eq!(error.code(), "quote.opportunity_has_accepted_quote");
    assert_eq!(fixture.store.head().position, head, "nothing is appended");
}

#[tokio::test]
async fn of_two_concurrent_accepts_for_one_opportunity_exactly_one_is_recorded() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    for quote_id in [QUOTE, SECOND_QUOTE] {
        fixture.submitted_quote(quote_id, vec![seats(10, 0)]).await;
        fixture.ok(rep(), Command::Quote { quote_id, command: QuoteRequest::Send }).await;
    }
    let (first, second) = (fixture.meta(rep()), fixture.meta(rep()));
    let accept = |quote_id| Command::Quote { quote_id, command: QuoteRequest::Accept };
    let (first, second) = tokio::join!(
        fixture.engine.execute(accept(QUOTE), &first),
        fixture.engine.execute(accept(SECOND_QUOTE), &second),
    );
    assert_eq!(
        [first.is_ok(), second.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{first:?} / {second:?}"
    );
}
