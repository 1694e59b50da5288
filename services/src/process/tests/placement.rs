//! Quote accepted → order placed: once, from the quote as accepted, under the policy's terms, and
//! not at all when placement is switched off.

use std::sync::Arc;

use ltc_domain::money::Bps;
use ltc_domain::order::{OrderStatus, PaymentTerms, TermPart};
use ltc_domain::quote::Quote;
use ltc_eventstore::{Position, StreamId};

use super::world::{CUSTOMER, LICENCE, QUOTE, TRAINING, World, eur};
use crate::process::{PaymentTermsPolicy, Placement, PlacementSettings};

/// Half on the invoice date and half net 60, for the one customer the tests know; net 30 else.
#[derive(Debug)]
struct PerCustomer;

impl PaymentTermsPolicy for PerCustomer {
    fn terms_for(&self, quote: &Quote) -> PaymentTerms {
        let part = |share, days_after| TermPart { share: Bps(share), days_after };
        let parts = if quote.customer_id == CUSTOMER {
            vec![part(5_000, 0), part(5_000, 60)]
        } else {
            vec![part(10_000, 30)]
        };
        PaymentTerms { parts }
    }
}

#[tokio::test]
async fn an_accepted_quote_places_its_order_once_from_the_quote_as_accepted_net_30_by_default() {
    let world = World::new();
    world.open_deal().await;
    world.accept_quote().await;
    let placement =
        Placement::new(world.store.clone(), world.orders.clone(), PlacementSettings::default());
    assert_eq!(placement.run_from(Position::START).await.unwrap(), 1);
    let head = world.head();
    assert_eq!(placement.run_from(Position::START).await.unwrap(), 0, "a rerun places nothing");
    assert_eq!(world.head(), head, "and appends nothing");

    let order_id = Placement::order_of(QUOTE);
    let order = world.order(order_id.0);
    assert_eq!(order.quote_id, QUOTE);
    assert_eq!(order.customer_id, CUSTOMER);
    assert_eq!(order.total, eur(300_000));
    let lines: Vec<(&str, u32, i64)> = order
        .lines
        .iter()
        .map(|line| {
            (line.priced.sku.as_str(), line.priced.quantity, line.priced.line_total.amount_minor)
        })
        .collect();
    assert_eq!(lines, [(LICENCE, 10, 100_000), (TRAINING, 4, 200_000)]);
    let net_30 = PaymentTerms { parts: vec![TermPart { share: Bps(10_000), days_after: 30 }] };
    assert_eq!(order.payment_terms, net_30);
    assert_eq!(order.status(), OrderStatus::ToConfirm, "a person still confirms the order");

    let quote_stream = StreamId::new("quote", QUOTE.0).unwrap();
    let accepted = world.store.read_stream(&quote_stream, 1).unwrap().pop().unwrap();
    assert_eq!(accepted.event_type, "QuoteAccepted");
    let order_stream = StreamId::new("order", order_id.0).unwrap();
    let placed = &world.store.read_stream(&order_stream, 1).unwrap()[0];
    assert_eq!(placed.metadata.causation_id, Some(accepted.event_id.0));
}

#[tokio::test]
async fn the_payment_terms_policy_gives_the_order_its_customers_terms() {
    let world = World::new();
    world.open_deal().await;
    world.accept_quote().await;
    let settings = PlacementSettings { enabled: true, payment_terms: Arc::new(PerCustomer) };
    let placement = Placement::new(world.store.clone(), world.orders.clone(), settings);
    placement.run_from(Position::START).await.unwrap();
    let order = world.order(Placement::order_of(QUOTE).0);
    let shares: Vec<(u32, u32)> =
        order.payment_terms.parts.iter().map(|part| (part.share.0, part.days_after)).collect();
    assert_eq!(shares, [(5_000, 0), (5_000, 60)]);
}

#[tokio::test]
async fn with_placement_switched_off_an_accepted_quote_places_nothing() {
    let world = World::new();
    world.open_deal().await;
    world.accept_quote().await;
    let head = world.head();
    let settings = PlacementSettings { enabled: false, ..PlacementSettings::default() };
    let placement = Placement::new(world.store.clone(), world.orders.clone(), settings);
    assert_eq!(placement.run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.head(), head);
    let order_stream = StreamId::new("order", Placement::order_of(QUOTE).0).unwrap();
    assert!(world.store.read_stream(&order_stream, 1).unwrap().is_empty());
}
