//! Recording an order as paid: the rule that everything still ordered is invoiced and every
//! invoice that asked for money was settled by the customer's receipts and credit notes, to the
//! minor unit. The receivables live in other streams, so their facts arrive in the command
//! (docs/adr/0005); this decider checks that they fit the invoices it issued.

use crate::actor::Role;
use crate::decider::Context;
use crate::money::Money;

use super::decide::{require_currency, require_not_cancelled};
use super::{DOCUMENTS_MAX, InvoiceSettlement, Order, OrderError, OrderEvent};

pub(super) fn record_paid(
    order: &Order,
    settlements: &[InvoiceSettlement],
    context: &Context,
) -> Result<Vec<OrderEvent>, OrderError> {
    // Payment is a money fact: finance records it (the settlement process acts as an admin).
    if !matches!(context.actor.role, Role::Finance | Role::Admin) {
        return Err(OrderError::Forbidden { role: context.actor.role });
    }
    if order.paid_on.is_some() {
        // Once paid, the invoices and their settlements cannot change: the same facts again are a
        // repeat, other facts contradict the record.
        return if same_settlements(&order.settlements, settlements) {
            Ok(vec![])
        } else {
            Err(OrderError::AlreadyPaid)
        };
    }
    require_not_cancelled(order)?;
    if settlements.len() > DOCUMENTS_MAX as usize {
        return Err(OrderError::TooManyDocuments { what: "settlements" });
    }
    if let Some((line, open)) = (0..)
        .zip(&order.lines)
        .map(|(line, order_line)| (line, order_line.open_to_invoice()))
        .find(|(_, open)| *open > 0)
    {
        return Err(OrderError::NotFullyInvoiced { line, open });
    }
    let mut received = Money::zero(order.currency);
    let mut credited = Money::zero(order.currency);
    for (idx, settlement) in settlements.iter().enumerate() {
        let invoice_id = settlement.invoice_id;
        let invoice = order
            .invoices
            .iter()
            .find(|invoice| invoice.id == invoice_id)
            .ok_or(OrderError::UnknownInvoice(invoice_id))?;
        if settlements[..idx].iter().any(|earlier| earlier.invoice_id == invoice_id) {
            return Err(OrderError::InvoiceNamedTwice(invoice_id));
        }
        for amount in [settlement.received, settlement.credited] {
            require_currency(order.currency, amount)?;
            if amount.is_negative() {
                return Err(OrderError::NegativeAmount);
            }
        }
        let settled = settlement
            .received
            .checked_add(settlement.credited)
            .map_err(|_| OrderError::Overflow)?;
        if settled != invoice.amount {
            return Err(OrderError::SettlementMismatch {
                invoice_id,
                invoiced: invoice.amount,
                settled,
            });
        }
        // Each settlement equals its invoice, a part of the order total: the sums fit.
        received = received.checked_add(settlement.received).map_err(|_| OrderError::Overflow)?;
        credited = credited.checked_add(settlement.credited).map_err(|_| OrderError::Overflow)?;
    }
    // An invoice of nothing (free items only) has no receivable and may go unnamed.
    if let Some(unsettled) = order.invoices.iter().find(|invoice| {
        invoice.amount.amount_minor != 0
            && !settlements.iter().any(|settlement| settlement.invoice_id == invoice.id)
    }) {
        return Err(OrderError::InvoiceUnsettled(unsettled.id));
    }
    let paid_on = settlements
        .iter()
        .map(|settlement| settlement.settled_on)
        .max()
        .unwrap_or_else(|| context.occurred_at.date_naive());
    Ok(vec![OrderEvent::Paid {
        settlements: settlements.to_vec(),
        received,
        credited,
        paid_on,
        at: context.occurred_at,
    }])
}

/// The same settlements, in whatever order they are listed.
fn same_settlements(recorded: &[InvoiceSettlement], requested: &[InvoiceSettlement]) -> bool {
    recorded.len() == requested.len()
        && requested.iter().all(|settlement| recorded.contains(settlement))
        && recorded.iter().all(|settlement| requested.contains(settlement))
}
