//! Every receivable of an order settled → order paid and its open opportunity won: once, on the
//! event that completes the picture, whichever order invoices, settlements and cancellations come
//! in; never for money written off, and never against a deal someone lost.

use ltc_domain::actor::Role;
use ltc_domain::opportunity::{OpportunityCommand, Status};
use ltc_domain::order::{CancellationId, FulfilmentId, LineQuantity, OrderCommand, OrderStatus};
use ltc_domain::payment::{PaymentCommand, WriteOffId};
use ltc_eventstore::{Position, StreamId};
use uuid::Uuid;

use super::world::{QUOTE, World, april, eur};
use crate::process::{Invoicing, Placement, PlacementSettings, Settlement};

fn qty(line: u32, quantity: u32) -> LineQuantity {
    LineQuantity { line, quantity }
}

/// The deal opened, its quote accepted, its order placed by the placement process (net 30) and
/// confirmed by the rep; returns the order's id.
async fn confirmed_order(world: &World) -> Uuid {
    world.open_deal().await;
    world.accept_quote().await;
    let placement =
        Placement::new(world.store.clone(), world.orders.clone(), PlacementSettings::default());
    placement.run_from(Position::START).await.unwrap();
    let order = Placement::order_of(QUOTE).0;
    world.send(&world.orders, order, &OrderCommand::Confirm, Role::SalesRep).await;
    order
}

fn settlement(world: &World) -> Settlement {
    Settlement::new(world.store.clone(), world.orders.clone(), world.opportunities.clone())
}

/// How many events of `event_type` the log holds.
fn count(world: &World, event_type: &str) -> usize {
    world
        .store
        .read_all(Position::START, u64::MAX)
        .map(Result::unwrap)
        .filter(|event| event.event_type == event_type)
        .count()
}

#[tokio::test]
async fn paying_every_invoice_records_the_order_paid_and_wins_its_open_opportunity_once() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    let deliver = OrderCommand::Fulfil {
        fulfilment_id: FulfilmentId(Uuid::from_u128(0xf1)),
        lines: vec![qty(0, 10), qty(1, 4)],
    };
    world.send(&world.orders, order, &deliver, Role::Admin).await;
    world.invoice(order, 1, vec![qty(0, 10), qty(1, 4)]).await;
    world.pay(1, 300_000, april(20)).await;

    let settlement = settlement(&world);
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 2, "paid, and won");
    let head = world.head();
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.head(), head, "a rerun appends nothing");

    let paid = world.order(order);
    assert_eq!(paid.paid_on, Some(april(20)));
    assert_eq!(paid.status(), OrderStatus::Paid);
    assert_eq!(paid.settlements.len(), 1);
    assert_eq!(paid.settlements[0].received, eur(300_000));
    assert_eq!(world.deal().status, Status::Won);

    let receivable = Invoicing::receivable_of(super::world::invoice_id(1).0);
    let payment_stream = StreamId::new("payment", receivable.0).unwrap();
    let settled = world.store.read_stream(&payment_stream, 1).unwrap().pop().unwrap();
    assert_eq!(settled.event_type, "ReceivableSettled");
    let order_stream = StreamId::new("order", order).unwrap();
    let recorded = world.store.read_stream(&order_stream, 1).unwrap().pop().unwrap();
    assert_eq!(recorded.event_type, "OrderPaid");
    assert_eq!(recorded.metadata.causation_id, Some(settled.event_id.0));
}

#[tokio::test]
async fn invoicing_and_settling_in_turns_pays_the_order_on_the_last_settlement() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    let settlement = settlement(&world);
    world.invoice(order, 1, vec![qty(0, 10)]).await;
    world.pay(1, 100_000, april(10)).await;
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0, "training not invoiced");
    world.invoice(order, 2, vec![qty(1, 4)]).await;
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0, "invoice 2 is unpaid");
    assert_eq!(world.order(order).paid_on, None);
    assert_eq!(world.deal().status, Status::Open);

    world.pay(2, 200_000, april(25)).await;
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 2);
    let paid = world.order(order);
    assert_eq!(paid.paid_on, Some(april(25)), "the day the last invoice was settled");
    assert_eq!(paid.settlements.len(), 2);
    assert_eq!(world.deal().status, Status::Won);
    let head = world.head();
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.head(), head, "a rerun from position 1 appends nothing");
}

#[tokio::test]
async fn invoicing_everything_and_settling_part_leaves_the_order_unpaid_until_the_last() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    let settlement = settlement(&world);
    world.invoice(order, 1, vec![qty(0, 10)]).await;
    world.invoice(order, 2, vec![qty(1, 4)]).await;
    world.pay(2, 200_000, april(12)).await;
    // Everything is invoiced, so there is nothing left to cancel: no way around the payment.
    let cancel = OrderCommand::CancelRest {
        cancellation_id: CancellationId(Uuid::from_u128(0xca)),
        reason: "customer asked".into(),
    };
    let cancelled = world.send(&world.orders, order, &cancel, Role::SalesRep).await;
    assert!(cancelled.events.is_empty());
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.order(order).paid_on, None);

    world.pay(1, 100_000, april(15)).await;
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 2);
    assert_eq!(world.order(order).paid_on, Some(april(15)));
}

#[tokio::test]
async fn settled_invoices_and_the_rest_cancelled_pay_the_order_on_the_cancellation() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    let settlement = settlement(&world);
    world.invoice(order, 1, vec![qty(0, 10)]).await;
    world.pay(1, 100_000, april(10)).await;
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0);

    let cancel = OrderCommand::CancelRest {
        cancellation_id: CancellationId(Uuid::from_u128(0xca)),
        reason: "training no longer needed".into(),
    };
    world.send(&world.orders, order, &cancel, Role::SalesRep).await;
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 2);
    let paid = world.order(order);
    assert_eq!(paid.paid_on, Some(april(10)));
    assert_eq!(paid.effective_total(), eur(100_000));
    assert_eq!(world.deal().status, Status::Won);
    let head = world.head();
    assert_eq!(settlement.run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.head(), head);
}

#[tokio::test]
async fn a_receivable_settled_by_a_write_off_leaves_the_order_unpaid_and_the_deal_open() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    world.invoice(order, 1, vec![qty(0, 10), qty(1, 4)]).await;
    world.pay(1, 200_000, april(20)).await;
    let receivable = Invoicing::receivable_of(super::world::invoice_id(1).0);
    let write_off = PaymentCommand::WriteOff {
        write_off_id: WriteOffId(Uuid::from_u128(0x0ff)),
        amount: eur(100_000),
        reason: "uncollectable".into(),
        written_off_on: april(28),
    };
    let executed = world.send(&world.payments, receivable.0, &write_off, Role::Finance).await;
    assert!(executed.events.iter().any(|event| event == "ReceivableSettled"));

    assert_eq!(settlement(&world).run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.order(order).paid_on, None);
    assert_eq!(world.deal().status, Status::Open);
}

#[tokio::test]
async fn a_deal_someone_lost_stays_lost_when_its_order_is_paid() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    let lose = OpportunityCommand::Lose { reason: "closed by mistake".into(), competitor: None };
    world.opportunity(lose).await;
    world.invoice(order, 1, vec![qty(0, 10), qty(1, 4)]).await;
    world.pay(1, 300_000, april(20)).await;

    assert_eq!(settlement(&world).run_from(Position::START).await.unwrap(), 1, "paid only");
    assert!(world.order(order).paid_on.is_some());
    assert_eq!(world.deal().status, Status::Lost);
}

#[tokio::test]
async fn a_deal_already_won_is_not_won_again_when_its_order_is_paid() {
    let world = World::new();
    let order = confirmed_order(&world).await;
    world.opportunity(OpportunityCommand::Win).await;
    world.invoice(order, 1, vec![qty(0, 10), qty(1, 4)]).await;
    world.pay(1, 300_000, april(20)).await;

    assert_eq!(settlement(&world).run_from(Position::START).await.unwrap(), 1, "paid only");
    assert_eq!(count(&world, "OpportunityWon"), 1);
    assert_eq!(world.deal().status, Status::Won);
}
