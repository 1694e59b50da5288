//! When a deal's outcome became known in sales terms, and why the win model looks at a deal as it
//! stood just before then.
//!
//! A deal is decided by the first of: a quote for it accepted (the customer said yes), or its
//! close (a rep recorded the loss, or recorded a win no accepted quote came before). The close
//! of a won deal usually comes long after its decision: the settlement process records the win
//! when the order is paid, after weeks of delivery and invoicing in which nobody works the deal,
//! while a loss is recorded by a rep when they give up. Features read at the close therefore
//! told the model how each close was recorded rather than how the deal went: measured to the
//! close, 31–90 days without activity were 107 wins and no loss in the medium demo, and deals
//! idle for nine months scored 99 %.
//!
//! So a training example is the deal as it stood just before its decision: the open stages it
//! had reached, its amount, and the days it had then gone without activity (`model.rs`). An open
//! deal is scored as it stands, or, once decided (a quote accepted, the order not yet paid), as
//! it stood just before its decision, the same cut its example will have: what happens after a
//! decision says nothing about how the customer decided. Reopening a deal makes it undecided
//! again. The rule looks only at what decided the deal, never at the outcome, so it cannot
//! carry the outcome into the features.
//!
//! A deal already decided by an accepted quote is not scored by the features, though: the
//! customer has said yes, and what is left is whether the order gets paid, which the features
//! say nothing about. Its probability is how often the closed deals decided the same way were
//! won ([`DecidedBy`], `model.rs`), learned from the same examples with the same smoothing.

use chrono::{DateTime, Utc};

/// What decided a deal, as its example records it (`forecast_model_examples.decided_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DecidedBy {
    /// A quote for it was accepted; the win is recorded when the order is paid.
    QuoteAccepted,
    /// Its close, with no accepted quote before it.
    Close,
}

impl DecidedBy {
    pub(super) const fn as_str(self) -> &'static str {
        match self {
            DecidedBy::QuoteAccepted => "quote_accepted",
            DecidedBy::Close => "close",
        }
    }
}

/// The moment a deal was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Decision {
    /// The log position of the deciding event: the deal as it stood is its versions before it.
    pub position: i64,
    /// The deciding event's business time.
    pub at: DateTime<Utc>,
    /// Whole days from the deal's last activity before the decision to the decision.
    pub idle_days: i64,
}

impl Decision {
    /// The decision made by the event at `position`, at `at`, of a deal last active at
    /// `last_activity_at` before it.
    pub(super) fn new(position: i64, at: DateTime<Utc>, last_activity_at: DateTime<Utc>) -> Self {
        // An event back-dated before the deal's last activity decided it with no idle time.
        let idle_days = (at - last_activity_at).num_days().max(0);
        Decision { position, at, idle_days }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[test]
    fn idle_days_are_whole_days_from_the_last_activity_and_never_negative() {
        let active = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let almost_two_days = active + TimeDelta::hours(47);
        assert_eq!(Decision::new(7, almost_two_days, active).idle_days, 1);
        assert_eq!(Decision::new(7, active + TimeDelta::days(40), active).idle_days, 40);
        assert_eq!(Decision::new(7, active - TimeDelta::days(1), active).idle_days, 0);
    }
}
