//! Allocation: how an amount is spread over a receivable's instalments. Oldest instalment first,
//! so the debt that has been due longest is cleared first and aging shrinks from the old end.

use crate::money::Money;

use super::{Allocation, Receivable};

/// An amount split over the instalments, and what was left beyond everything still owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Split {
    /// Only instalments that receive something, oldest first.
    pub allocations: Vec<Allocation>,
    pub remainder: Money,
}

/// Spreads `amount` (positive, in the receivable's currency) over what is still owed on each
/// instalment, oldest first. The allocations plus the remainder add up to exactly `amount`.
pub(super) fn oldest_first(receivable: &Receivable, amount: Money) -> Split {
    debug_assert_eq!(amount.currency, receivable.currency(), "decide checks the currency first");
    let mut left_minor = amount.amount_minor;
    let mut allocations = Vec::new();
    // The schedule was checked at opening to be in date order, so position is age.
    for (instalment_idx, instalment) in (0u32..).zip(&receivable.instalments) {
        if left_minor == 0 {
            break;
        }
        let take_minor = instalment.open().amount_minor.min(left_minor);
        if take_minor > 0 {
            allocations.push(Allocation {
                instalment_idx,
                amount: Money::new(take_minor, amount.currency),
            });
            left_minor -= take_minor;
        }
    }
    Split { allocations, remainder: Money::new(left_minor, amount.currency) }
}
