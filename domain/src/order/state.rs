//! The order as its events leave it: per line, how much was ordered, fulfilled, invoiced and
//! cancelled, and whether it was paid. Percentages and the status are computed from those facts,
//! never stored, so they cannot drift from them.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::Ownership;
use crate::ids::{CustomerId, OrderId, QuoteId};
use crate::money::{Bps, Currency, Money};

use super::{
    CancellationId, FulfilmentId, InvoiceId, InvoiceSettlement, LineAmount, LineQuantity,
    OrderEvent, PaymentTerms, PricedLine,
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    #[default]
    NotPlaced,
    /// Boxed: an order is large and the state is mostly moved whole through `evolve`.
    Placed(Box<Order>),
}

/// Where the order stands, derived from how much is fulfilled and invoiced (ERPNext's way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum OrderStatus {
    /// Placed, awaiting confirmation.
    ToConfirm,
    ToDeliverAndBill,
    /// Everything delivered, not everything invoiced.
    ToBill,
    /// Everything invoiced, not everything delivered.
    ToDeliver,
    /// Everything delivered and invoiced, not yet paid.
    Completed,
    /// Everything delivered, invoiced and paid. An order paid ahead of delivery stays
    /// `ToDeliver`: delivery is what is left to do.
    Paid,
    /// Every quantity was cancelled.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub priced: PricedLine,
    pub fulfilled: u32,
    pub invoiced: u32,
    pub cancelled: u32,
}

impl OrderLine {
    /// The quantity still ordered: what was placed less what was cancelled.
    pub fn effective(&self) -> u32 {
        self.priced.quantity - self.cancelled
    }

    pub fn open_to_fulfil(&self) -> u32 {
        self.effective() - self.fulfilled
    }

    pub fn open_to_invoice(&self) -> u32 {
        self.effective() - self.invoiced
    }

    /// Neither fulfilled nor invoiced: delivered or invoiced goods are not cancelled.
    pub fn open_to_cancel(&self) -> u32 {
        self.effective() - self.fulfilled.max(self.invoiced)
    }

    /// The part of the line total carried by the first `units` units: the line total prorated
    /// and rounded down. Invoicing in parts takes differences of this, so once every unit is
    /// invoiced the parts add up to exactly the line total, and never to more.
    pub fn value_of_units(&self, units: u32) -> Money {
        let total = i128::from(self.priced.line_total.amount_minor);
        let quantity = i128::from(self.priced.quantity.max(1));
        let amount = total * i128::from(units.min(self.priced.quantity)) / quantity;
        let amount_minor = i64::try_from(amount)
            .expect("a prorated part is no larger than the line total, an i64");
        Money { amount_minor, ..self.priced.line_total }
    }
}

/// An invoice the order issued: the quantities it billed and its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvoice {
    pub id: InvoiceId,
    pub lines: Vec<LineQuantity>,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub quote_id: QuoteId,
    pub quote_version: u32,
    pub customer_id: CustomerId,
    pub ownership: Ownership,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    /// As placed, before any cancellation.
    pub total: Money,
    pub payment_terms: PaymentTerms,
    pub placed_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub invoiced: Money,
    pub cancelled: Money,
    /// Each fulfilment's id with the quantities it moved, so a repeat can be told from a reuse.
    pub fulfilments: Vec<(FulfilmentId, Vec<LineQuantity>)>,
    /// Each invoice with the quantities it billed and its amount.
    pub invoices: Vec<IssuedInvoice>,
    pub cancellation_ids: Vec<CancellationId>,
    /// The settlements the order was recorded paid with; empty until then.
    pub settlements: Vec<InvoiceSettlement>,
    /// The day the last invoice was settled, once the order is recorded as paid.
    pub paid_on: Option<NaiveDate>,
}

impl Order {
    /// The order total less what was cancelled.
    pub fn effective_total(&self) -> Money {
        Money { amount_minor: self.total.amount_minor - self.cancelled.amount_minor, ..self.total }
    }

    /// Delivered quantity over still-ordered quantity, rounded down (10,000 only when complete).
    pub fn percent_fulfilled_bps(&self) -> Bps {
        let fulfilled = self.lines.iter().map(|line| u64::from(line.fulfilled)).sum();
        ratio_bps(fulfilled, self.effective_quantity())
    }

    /// Invoiced amount over the amount still ordered, rounded down (10,000 only when complete).
    /// An order worth nothing (free items only) is measured by quantity instead.
    pub fn percent_invoiced_bps(&self) -> Bps {
        let total_minor = self.effective_total().amount_minor;
        if total_minor == 0 {
            let invoiced = self.lines.iter().map(|line| u64::from(line.invoiced)).sum();
            return ratio_bps(invoiced, self.effective_quantity());
        }
        let invoiced_minor = u64::try_from(self.invoiced.amount_minor).unwrap_or(0);
        ratio_bps(invoiced_minor, u64::try_from(total_minor).unwrap_or(0))
    }

    pub fn status(&self) -> OrderStatus {
        status_of(
            self.confirmed_at.is_some(),
            self.effective_quantity() == 0,
            self.percent_fulfilled_bps(),
            self.percent_invoiced_bps(),
            self.paid_on.is_some(),
        )
    }

    /// Everything still ordered is invoiced: nothing is left to bill on any line.
    pub fn fully_invoiced(&self) -> bool {
        self.lines.iter().all(|line| line.open_to_invoice() == 0)
    }

    /// Nothing left to fulfil, invoice or cancel on any line.
    pub fn nothing_open(&self) -> bool {
        self.lines.iter().all(|line| line.open_to_fulfil() == 0 && line.open_to_invoice() == 0)
    }

    fn effective_quantity(&self) -> u64 {
        self.lines.iter().map(|line| u64::from(line.effective())).sum()
    }
}

/// The status as a pure function of the facts: confirmed, all cancelled, the two percentages,
/// and paid.
pub fn status_of(
    confirmed: bool,
    all_cancelled: bool,
    fulfilled: Bps,
    invoiced: Bps,
    paid: bool,
) -> OrderStatus {
    if all_cancelled {
        return OrderStatus::Cancelled;
    }
    if !confirmed {
        return OrderStatus::ToConfirm;
    }
    match (fulfilled >= Bps::HUNDRED_PERCENT, invoiced >= Bps::HUNDRED_PERCENT) {
        (false, false) => OrderStatus::ToDeliverAndBill,
        (true, false) => OrderStatus::ToBill,
        (false, true) => OrderStatus::ToDeliver,
        (true, true) if paid => OrderStatus::Paid,
        (true, true) => OrderStatus::Completed,
    }
}

/// `part / whole` in basis points, rounded down; zero when the whole is zero.
fn ratio_bps(part: u64, whole: u64) -> Bps {
    if whole == 0 {
        return Bps::ZERO;
    }
    let bps = u128::from(part) * 10_000 / u128::from(whole);
    Bps(u32::try_from(bps.min(10_000)).expect("clamped to 10,000"))
}

pub(super) fn evolve(state: OrderState, event: &OrderEvent) -> OrderState {
    let mut order = match (state, event) {
        (
            OrderState::NotPlaced,
            OrderEvent::Placed {
                order_id,
                quote_id,
                quote_version,
                customer_id,
                ownership,
                currency,
                lines,
                total,
                payment_terms,
                at,
            },
        ) => {
            return OrderState::Placed(Box::new(Order {
                id: *order_id,
                quote_id: *quote_id,
                quote_version: *quote_version,
                customer_id: *customer_id,
                ownership: *ownership,
                currency: *currency,
                lines: lines
                    .iter()
                    .map(|priced| OrderLine {
                        priced: priced.clone(),
                        fulfilled: 0,
                        invoiced: 0,
                        cancelled: 0,
                    })
                    .collect(),
                total: *total,
                payment_terms: payment_terms.clone(),
                placed_at: *at,
                confirmed_at: None,
                invoiced: Money::zero(*currency),
                cancelled: Money::zero(*currency),
                fulfilments: vec![],
                invoices: vec![],
                cancellation_ids: vec![],
                settlements: vec![],
                paid_on: None,
            }));
        }
        (OrderState::Placed(order), _) => order,
        (OrderState::NotPlaced, _) => {
            unreachable!("every order stream starts with Placed; decide emits nothing else first")
        }
    };
    match event {
        OrderEvent::Placed { .. } => unreachable!("Placed is only ever the first event"),
        OrderEvent::Confirmed { at } => order.confirmed_at = Some(*at),
        OrderEvent::Fulfilled { fulfilment_id, lines, .. } => {
            order.fulfilments.push((*fulfilment_id, lines.clone()));
            for moved in lines {
                line_mut(&mut order, moved.line).fulfilled += moved.quantity;
            }
        }
        OrderEvent::Invoiced { invoice_id, lines, amount, .. } => {
            let billed = lines
                .iter()
                .map(|billed| LineQuantity { line: billed.line, quantity: billed.quantity });
            order.invoices.push(IssuedInvoice {
                id: *invoice_id,
                lines: billed.collect(),
                amount: *amount,
            });
            order.invoiced.amount_minor += amount.amount_minor;
            for LineAmount { line, quantity, .. } in lines {
                line_mut(&mut order, *line).invoiced += quantity;
            }
        }
        OrderEvent::LinesCancelled { cancellation_id, lines, amount, .. } => {
            order.cancellation_ids.push(*cancellation_id);
            order.cancelled.amount_minor += amount.amount_minor;
            for LineAmount { line, quantity, .. } in lines {
                line_mut(&mut order, *line).cancelled += quantity;
            }
        }
        OrderEvent::Paid { settlements, paid_on, .. } => {
            order.settlements = settlements.clone();
            order.paid_on = Some(*paid_on);
        }
    }
    OrderState::Placed(order)
}

fn line_mut(order: &mut Order, line: u32) -> &mut OrderLine {
    usize::try_from(line)
        .ok()
        .and_then(|idx| order.lines.get_mut(idx))
        .expect("decide only names lines the order has")
}
