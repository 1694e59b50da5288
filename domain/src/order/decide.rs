//! The order's rules: who may do what, and which facts each command establishes.

use chrono::NaiveDate;

use crate::actor::{Ownership, Role};
use crate::decider::Context;
use crate::ids::OrderId;
use crate::money::Money;

use super::{
    AcceptedQuote, CancellationId, DOCUMENTS_MAX, InvoiceId, LINE_QUANTITY_MAX, LineAmount,
    LineQuantity, ORDER_LINES_MAX, Order, OrderCommand, OrderError, OrderEvent, OrderLine,
    OrderState, OrderStatus, PaymentTerms, REASON_BYTES_MAX, SKU_BYTES_MAX,
};

pub(super) fn decide(
    state: &OrderState,
    command: &OrderCommand,
    context: &Context,
) -> Result<Vec<OrderEvent>, OrderError> {
    let order = match (state, command) {
        (OrderState::NotPlaced, OrderCommand::Place { order_id, quote, payment_terms }) => {
            return place(*order_id, quote, payment_terms, context);
        }
        (OrderState::Placed(order), OrderCommand::Place { order_id, quote, payment_terms }) => {
            return if *order_id == order.id && placed_as(order, quote, payment_terms) {
                // A repeat of the command that placed it: nothing new to record.
                Ok(vec![])
            } else {
                Err(OrderError::AlreadyPlaced(order.id))
            };
        }
        (OrderState::NotPlaced, _) => return Err(OrderError::NotPlaced),
        (OrderState::Placed(order), _) => order,
    };
    let at = context.occurred_at;
    match command {
        OrderCommand::Place { .. } => unreachable!("handled above"),
        OrderCommand::Confirm => {
            require_sales(order, context)?;
            if order.confirmed_at.is_some() {
                return Ok(vec![]);
            }
            require_not_cancelled(order)?;
            Ok(vec![OrderEvent::Confirmed { at }])
        }
        OrderCommand::Fulfil { fulfilment_id, lines } => {
            require_fulfiller(order, context)?;
            if let Some((_, recorded)) =
                order.fulfilments.iter().find(|(id, _)| id == fulfilment_id)
            {
                return if recorded == lines {
                    Ok(vec![])
                } else {
                    Err(OrderError::FulfilmentIdReused(*fulfilment_id))
                };
            }
            require_confirmed(order)?;
            require_room(order.fulfilments.len(), "fulfilments")?;
            check_quantities(order, lines, OrderLine::open_to_fulfil, |line, open, requested| {
                OrderError::BeyondOrdered { line, open, requested }
            })?;
            Ok(vec![OrderEvent::Fulfilled {
                fulfilment_id: *fulfilment_id,
                lines: lines.clone(),
                at,
            }])
        }
        OrderCommand::Invoice { invoice_id, lines, base_date } => {
            invoice(order, *invoice_id, lines, *base_date, context)
        }
        OrderCommand::CancelLines { cancellation_id, lines, reason } => {
            cancel(order, *cancellation_id, lines, reason, context)
        }
        OrderCommand::RecordPaid { settlements } => {
            super::paid::record_paid(order, settlements, context)
        }
        OrderCommand::CancelRest { cancellation_id, reason } => {
            require_sales(order, context)?;
            let rest: Vec<LineQuantity> = (0..)
                .zip(&order.lines)
                .filter(|(_, line)| line.open_to_cancel() > 0)
                .map(|(line, order_line)| LineQuantity {
                    line,
                    quantity: order_line.open_to_cancel(),
                })
                .collect();
            if rest.is_empty() {
                // Nothing is left to cancel, as after a first cancel-rest: nothing to record.
                return Ok(vec![]);
            }
            cancel(order, *cancellation_id, &rest, reason, context)
        }
    }
}

/// Whether `order` was placed from exactly this quote version, with these lines and terms.
fn placed_as(order: &Order, quote: &AcceptedQuote, payment_terms: &PaymentTerms) -> bool {
    order.quote_id == quote.quote_id
        && order.quote_version == quote.version
        && order.customer_id == quote.customer_id
        && order.currency == quote.currency
        && order.total == quote.total
        && order.payment_terms == *payment_terms
        && order.lines.len() == quote.lines.len()
        && order.lines.iter().zip(&quote.lines).all(|(line, priced)| line.priced == *priced)
}

fn place(
    order_id: OrderId,
    quote: &AcceptedQuote,
    payment_terms: &PaymentTerms,
    context: &Context,
) -> Result<Vec<OrderEvent>, OrderError> {
    let ownership = Ownership { owner: quote.owner, team: quote.team };
    if !context.actor.may_change_sales_record(ownership) {
        return Err(OrderError::Forbidden { role: context.actor.role });
    }
    if quote.lines.is_empty() {
        return Err(OrderError::Empty);
    }
    if quote.lines.len() > ORDER_LINES_MAX as usize {
        return Err(OrderError::TooManyLines);
    }
    let mut lines_sum = Money::zero(quote.currency);
    for (line, priced) in (0..).zip(&quote.lines) {
        check_text("sku", &priced.sku, SKU_BYTES_MAX)?;
        if priced.quantity == 0 || priced.quantity > LINE_QUANTITY_MAX {
            return Err(OrderError::Quantity { line });
        }
        for amount in [priced.unit_price, priced.line_total] {
            require_currency(quote.currency, amount)?;
            if amount.is_negative() {
                return Err(OrderError::NegativeAmount);
            }
        }
        let list_minor = i128::from(priced.unit_price.amount_minor) * i128::from(priced.quantity);
        if i128::from(priced.line_total.amount_minor) > list_minor {
            let list_minor = i64::try_from(list_minor).map_err(|_| OrderError::Overflow)?;
            return Err(OrderError::LineTotalMismatch {
                line,
                list_amount: Money::new(list_minor, quote.currency),
                line_total: priced.line_total,
            });
        }
        lines_sum = lines_sum.checked_add(priced.line_total).map_err(|_| OrderError::Overflow)?;
    }
    require_currency(quote.currency, quote.total)?;
    if lines_sum != quote.total {
        return Err(OrderError::TotalMismatch { lines_sum, total: quote.total });
    }
    payment_terms.validate()?;
    Ok(vec![OrderEvent::Placed {
        order_id,
        quote_id: quote.quote_id,
        quote_version: quote.version,
        customer_id: quote.customer_id,
        ownership,
        currency: quote.currency,
        lines: quote.lines.clone(),
        total: quote.total,
        payment_terms: payment_terms.clone(),
        at: context.occurred_at,
    }])
}

fn invoice(
    order: &Order,
    invoice_id: InvoiceId,
    lines: &[LineQuantity],
    base_date: NaiveDate,
    context: &Context,
) -> Result<Vec<OrderEvent>, OrderError> {
    if !matches!(context.actor.role, Role::Finance | Role::Admin) {
        return Err(OrderError::Forbidden { role: context.actor.role });
    }
    if let Some(recorded) = order.invoices.iter().find(|recorded| recorded.id == invoice_id) {
        // Lines of zero quantity bill nothing and are not recorded; compare without them.
        let requested: Vec<&LineQuantity> = lines.iter().filter(|line| line.quantity > 0).collect();
        return if recorded.lines.iter().collect::<Vec<_>>() == requested {
            Ok(vec![])
        } else {
            Err(OrderError::InvoiceIdReused(invoice_id))
        };
    }
    require_confirmed(order)?;
    require_room(order.invoices.len(), "invoices")?;
    check_quantities(order, lines, OrderLine::open_to_invoice, |line, open, requested| {
        OrderError::BeyondInvoiceable { line, open, requested }
    })?;
    let lines = amounts(order, lines, |order_line, quantity| {
        let before = order_line.value_of_units(order_line.invoiced);
        let after = order_line.value_of_units(order_line.invoiced + quantity);
        after.amount_minor - before.amount_minor
    });
    let amount = sum(order, &lines);
    let instalments = order.payment_terms.schedule(amount, base_date)?;
    Ok(vec![OrderEvent::Invoiced {
        invoice_id,
        lines,
        amount,
        instalments,
        at: context.occurred_at,
    }])
}

fn cancel(
    order: &Order,
    cancellation_id: CancellationId,
    lines: &[LineQuantity],
    reason: &str,
    context: &Context,
) -> Result<Vec<OrderEvent>, OrderError> {
    require_sales(order, context)?;
    if order.cancellation_ids.contains(&cancellation_id) {
        return Ok(vec![]);
    }
    require_not_cancelled(order)?;
    require_room(order.cancellation_ids.len(), "cancellations")?;
    check_text("reason", reason, REASON_BYTES_MAX)?;
    check_quantities(order, lines, OrderLine::open_to_cancel, |line, open, requested| {
        OrderError::BeyondCancellable { line, open, requested }
    })?;
    // Cancelled units come off the top of the line, so the units left keep their prorated
    // value and what was invoiced never exceeds what is still ordered.
    let lines = amounts(order, lines, |order_line, quantity| {
        let effective = order_line.effective();
        let before = order_line.value_of_units(effective);
        let after = order_line.value_of_units(effective - quantity);
        before.amount_minor - after.amount_minor
    });
    let amount = sum(order, &lines);
    Ok(vec![OrderEvent::LinesCancelled {
        cancellation_id,
        lines,
        amount,
        reason: reason.to_owned(),
        at: context.occurred_at,
    }])
}

/// Sales roles act on the order as on any sales record: a rep on their own, a manager on the
/// team's, an admin on any.
fn require_sales(order: &Order, context: &Context) -> Result<(), OrderError> {
    if context.actor.may_change_sales_record(order.ownership) {
        return Ok(());
    }
    Err(OrderError::Forbidden { role: context.actor.role })
}

/// Fulfilment is attested by an admin (the warehouse or service integration acts as one) or by
/// the sales manager responsible for the order. Neither the rep who earns on the sale nor finance,
/// who bills it, records a delivery: the one who benefits from it or invoices it does not attest
/// it (separation of duties).
fn require_fulfiller(order: &Order, context: &Context) -> Result<(), OrderError> {
    let allowed = match context.actor.role {
        Role::Admin => true,
        Role::SalesManager => context.actor.may_supervise_sales_record(order.ownership),
        Role::SalesRep | Role::Finance | Role::Auditor => false,
    };
    if allowed {
        return Ok(());
    }
    Err(OrderError::Forbidden { role: context.actor.role })
}

fn require_confirmed(order: &Order) -> Result<(), OrderError> {
    require_not_cancelled(order)?;
    if order.confirmed_at.is_none() {
        return Err(OrderError::NotConfirmed);
    }
    Ok(())
}

pub(super) fn require_not_cancelled(order: &Order) -> Result<(), OrderError> {
    if order.status() == OrderStatus::Cancelled {
        return Err(OrderError::Cancelled);
    }
    Ok(())
}

fn check_text(field: &'static str, text: &str, bytes_max: u32) -> Result<(), OrderError> {
    if text.trim().is_empty() || text.len() > bytes_max as usize {
        return Err(OrderError::Text { field, bytes_max });
    }
    Ok(())
}

fn require_room(n_documents: usize, what: &'static str) -> Result<(), OrderError> {
    if n_documents >= DOCUMENTS_MAX as usize {
        return Err(OrderError::TooManyDocuments { what });
    }
    Ok(())
}

pub(super) fn require_currency(
    expected: crate::money::Currency,
    amount: Money,
) -> Result<(), OrderError> {
    if amount.currency != expected {
        return Err(OrderError::CurrencyMismatch { expected, got: amount.currency });
    }
    Ok(())
}

/// Checks a list of line quantities: not empty, each line once, known, 1 or more, and within
/// what `open` says is left (`beyond` builds the error naming what is exceeded, from the line,
/// the open quantity and the requested one).
fn check_quantities(
    order: &Order,
    lines: &[LineQuantity],
    open: fn(&OrderLine) -> u32,
    beyond: fn(u32, u32, u32) -> OrderError,
) -> Result<(), OrderError> {
    if lines.is_empty() {
        return Err(OrderError::Empty);
    }
    if lines.len() > ORDER_LINES_MAX as usize {
        return Err(OrderError::TooManyLines);
    }
    for (idx, requested) in lines.iter().enumerate() {
        if lines[..idx].iter().any(|earlier| earlier.line == requested.line) {
            return Err(OrderError::DuplicateLine(requested.line));
        }
        let order_line = order_line(order, requested.line)?;
        if requested.quantity == 0 {
            return Err(OrderError::Quantity { line: requested.line });
        }
        let open_quantity = open(order_line);
        if requested.quantity > open_quantity {
            return Err(beyond(requested.line, open_quantity, requested.quantity));
        }
    }
    Ok(())
}

fn order_line(order: &Order, line: u32) -> Result<&OrderLine, OrderError> {
    usize::try_from(line)
        .ok()
        .and_then(|idx| order.lines.get(idx))
        .ok_or(OrderError::UnknownLine(line))
}

/// Each checked line quantity with the amount `amount_minor` gives it.
fn amounts(
    order: &Order,
    lines: &[LineQuantity],
    amount_minor: impl Fn(&OrderLine, u32) -> i64,
) -> Vec<LineAmount> {
    lines
        .iter()
        .map(|requested| {
            let order_line = &order.lines[requested.line as usize];
            let amount = Money::new(amount_minor(order_line, requested.quantity), order.currency);
            LineAmount { line: requested.line, quantity: requested.quantity, amount }
        })
        .collect()
}

/// The sum of parts of the order total, which therefore fits an i64.
fn sum(order: &Order, lines: &[LineAmount]) -> Money {
    Money::new(lines.iter().map(|line| line.amount.amount_minor).sum(), order.currency)
}
