//! The bridge from a quote to an order: the facts of an accepted quote that an order copies. The
//! shell builds [`AcceptedQuote`] from the quote's own state with [`AcceptedQuote::from_quote`],
//! never from what a client says the quote contained.

use crate::money::Money;
use crate::quote::{Quote, Status};

use super::{AcceptedQuote, PricedLine};

impl AcceptedQuote {
    /// The accepted version of `quote`, or `None` when its current version is not accepted.
    ///
    /// Each line's unit price is the net price rounded up, so that quantity × unit price covers
    /// the line total (a line discount can leave a remainder of less than one minor unit per
    /// unit); the line total is what the customer pays for the line, exactly as priced.
    pub fn from_quote(quote: &Quote) -> Option<AcceptedQuote> {
        let current = quote.current();
        if current.status != Status::Accepted {
            return None;
        }
        let lines = current
            .lines
            .iter()
            .map(|line| {
                let quantity = i64::from(line.quantity.max(1));
                let unit_minor = ceil_div(line.amount.amount_minor, quantity);
                PricedLine {
                    sku: line.sku.to_string(),
                    quantity: line.quantity,
                    unit_price: Money::new(unit_minor, line.amount.currency),
                    line_total: line.amount,
                }
            })
            .collect();
        Some(AcceptedQuote {
            quote_id: quote.id,
            version: current.number,
            customer_id: quote.customer_id,
            owner: quote.ownership.owner,
            team: quote.ownership.team,
            currency: current.total.currency,
            lines,
            total: current.total,
        })
    }
}

/// `amount / divisor` rounded towards positive infinity (`divisor` > 0).
fn ceil_div(amount: i64, divisor: i64) -> i64 {
    let quotient = amount / divisor;
    if amount % divisor > 0 { quotient + 1 } else { quotient }
}
