//! The two times a question can be about, and how each read model answers them.
//!
//! - **Business time**, `as_of`: what was true on that date, as known when asked. A receipt
//!   recorded in April with `received_on` in March was paid in March.
//! - **Recorded time**, `recorded_as_of`: what ltc knew at the end of that day, that is what a
//!   dashboard showed then. The April receipt is not in a March view.
//!
//! Both together: what was true on `as_of`, as known at the end of `recorded_as_of`.
//!
//! Recorded time is always answered the same way: the model's projections are rebuilt from the
//! log up to the last event recorded by the end of that day (`RebuildTarget::RecordedAt`), in a
//! throw-away directory. Business time depends on what the model keeps ([`BusinessTime`]). In
//! ltc only a receipt's `received_on` can lie before its recording: every other business date
//! (a stage move, a quote sent, an invoice, a refund, a credit note, a write-off) is the
//! engine's clock when the command ran (docs/adr/0005). So a model that reads no receipt
//! answers business time by the same rebuild as recorded time, and a model whose money comes
//! from dated facts answers it at query time from those dates.
//!
//! When a cut-off lies at or after the log's last recorded event, the rebuild would give the
//! read models in service, so they answer instead ([`Plan::settled`]).

use chrono::{DateTime, NaiveDate, Utc};
use ltc_projections::Projection;
use rusqlite::Connection;
use serde::Serialize;

use super::source::answer_in_transaction;
use super::{Answered, Query, QueryError, end_of_day};
use crate::read_models::AsOfSnapshot;

/// How a read model answers for a business date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessTime {
    /// Every figure comes from business dates kept in the tables (due dates, receipt dates, the
    /// days a deal entered each stage): the query computes the date's answer from the read
    /// model as recorded, so back-dated receipts recorded later count.
    DatedFacts,
    /// The model reads no fact that can be back-dated: its state on a date is the log recorded
    /// by the end of that day, so a business date is answered by that rebuild.
    AsRecorded,
    /// Both at once: money from dated facts (as [`BusinessTime::DatedFacts`]), everything else
    /// (profiles, deals, quotes, orders) as it stood on the date (as
    /// [`BusinessTime::AsRecorded`]); the query reads two states of the model.
    Split,
}

/// The dates a question is about; neither: the read models as they stand, today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dates {
    /// Business time: what was true at the end of this day (UTC).
    pub as_of: Option<NaiveDate>,
    /// Recorded time: the log as it stood at the end of this day (UTC).
    pub recorded_as_of: Option<NaiveDate>,
}

/// Where one answer reads from. A cut-off is a recorded time to rebuild up to; `None` reads the
/// read models in service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The date the query computes for; `None`: today ([`default_business_date`]).
    pub business_date: Option<NaiveDate>,
    /// The state the answer's dated facts (or all of it) come from.
    pub facts: Option<DateTime<Utc>>,
    /// The state undated rows come from; differs from `facts` only for
    /// [`BusinessTime::Split`].
    pub state: Option<DateTime<Utc>>,
}

impl Plan {
    pub fn new(business_time: BusinessTime, dates: Dates) -> Plan {
        let recorded = dates.recorded_as_of.map(end_of_day);
        let business = dates.as_of.map(end_of_day);
        // Nothing recorded after `recorded_as_of` is known, whatever the business date.
        let earlier = match (business, recorded) {
            (Some(business), Some(recorded)) => Some(business.min(recorded)),
            (business, recorded) => business.or(recorded),
        };
        let (facts, state) = match business_time {
            BusinessTime::DatedFacts => (recorded, recorded),
            BusinessTime::AsRecorded => (earlier, earlier),
            BusinessTime::Split => (recorded, earlier),
        };
        // A dashboard on `recorded_as_of` showed that day's figures.
        Plan { business_date: dates.as_of.or(dates.recorded_as_of), facts, state }
    }

    /// The plan with every cut-off at or after `last_recorded_at` (the log's last event's
    /// recorded time; `None`: an empty log) dropped: a rebuild up to it would hold every event.
    pub fn settled(self, last_recorded_at: Option<DateTime<Utc>>) -> Plan {
        let settle = |cutoff: Option<DateTime<Utc>>| {
            cutoff.filter(|at| last_recorded_at.is_some_and(|last| *at < last))
        };
        Plan { facts: settle(self.facts), state: settle(self.state), ..self }
    }

    /// Whether the answer needs a rebuild (rather than only the read models in service).
    pub fn rebuilds(&self) -> bool {
        self.facts.is_some() || self.state.is_some()
    }
}

/// Where a runner finds the read models: the ones in service, and rebuilds up to a recorded
/// time.
pub trait ReadModelSources {
    /// Runs `read` on a connection to the read models in service.
    fn with_live<R>(
        &self,
        read: impl FnOnce(&Connection) -> Result<R, QueryError>,
    ) -> Result<R, QueryError>;

    /// `projections` rebuilt from the log up to the last event recorded at or before `at`.
    fn recorded_by(
        &self,
        projections: Vec<Box<dyn Projection>>,
        at: DateTime<Utc>,
    ) -> Result<AsOfSnapshot, QueryError>;

    /// The recorded time of the log's last event; `None` for an empty log.
    fn last_recorded_at(&self) -> Result<Option<DateTime<Utc>>, QueryError>;

    /// Today by the source's clock (UTC).
    fn today(&self) -> NaiveDate;
}

/// The business date a question without one is answered for: today, or the log's last recorded
/// day when that is later. A log recorded ahead of this machine's clock (a generated history,
/// or one copied from a machine whose clock is ahead) has its own today, since it knows of
/// events on that day: answering for the machine's day would age its receivables to a date
/// before its own invoices and contradict its own timeline. Every answer without a date, in the
/// CLI and on NATS, and `ltc report`'s page stand on this day. (`ltc demo` prints the history's
/// last day and names it, so its figures stay those of the story it generated.)
pub fn default_business_date(
    today: NaiveDate,
    last_recorded_at: Option<DateTime<Utc>>,
) -> NaiveDate {
    last_recorded_at.map_or(today, |last| today.max(last.date_naive()))
}

/// Answers `request` for `dates`: plans where to read, rebuilds what the plan needs, and reads
/// the answer and its freshness in one transaction.
pub fn answer_planned<Q: Query>(
    sources: &impl ReadModelSources,
    request: &Q,
    dates: Dates,
) -> Result<Answered<Q::Answer>, QueryError> {
    let last_recorded_at = sources.last_recorded_at()?;
    let plan = Plan::new(Q::BUSINESS_TIME, dates).settled(last_recorded_at);
    let business_date = plan
        .business_date
        .unwrap_or_else(|| default_business_date(sources.today(), last_recorded_at));
    let state = match plan.state {
        Some(at) if plan.state != plan.facts => {
            Some(sources.recorded_by(request.projections(), at)?)
        }
        _ => None,
    };
    let read = |facts: &Connection| {
        let state = state.as_ref().map(AsOfSnapshot::reader).transpose()?;
        answer_in_transaction(facts, state.as_ref(), request, business_date)
    };
    match plan.facts {
        Some(at) => read(&sources.recorded_by(request.projections(), at)?.reader()?),
        None => sources.with_live(read),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    fn plan(
        business_time: BusinessTime,
        as_of: Option<NaiveDate>,
        recorded: Option<NaiveDate>,
    ) -> Plan {
        Plan::new(business_time, Dates { as_of, recorded_as_of: recorded })
    }

    #[test]
    fn without_a_date_the_answer_stands_on_today_or_the_logs_last_day_whichever_is_later() {
        let recorded =
            |month, day| Some(Utc.with_ymd_and_hms(2026, month, day, 23, 30, 0).unwrap());
        assert_eq!(default_business_date(day(6, 1), recorded(3, 31)), day(6, 1));
        assert_eq!(default_business_date(day(3, 1), recorded(3, 31)), day(3, 31));
        assert_eq!(default_business_date(day(3, 31), recorded(3, 31)), day(3, 31));
        assert_eq!(default_business_date(day(3, 1), None), day(3, 1), "an empty log");
    }

    #[test]
    fn without_dates_every_model_reads_the_read_models_in_service_for_today() {
        for business_time in
            [BusinessTime::DatedFacts, BusinessTime::AsRecorded, BusinessTime::Split]
        {
            let plan = plan(business_time, None, None);
            assert_eq!(plan, Plan { business_date: None, facts: None, state: None });
        }
    }

    #[test]
    fn a_business_date_is_computed_from_dated_facts_or_rebuilt_for_models_without_them() {
        let march = day(3, 31);
        let dated = plan(BusinessTime::DatedFacts, Some(march), None);
        assert_eq!(dated, Plan { business_date: Some(march), facts: None, state: None });
        let recorded = plan(BusinessTime::AsRecorded, Some(march), None);
        let end = Some(end_of_day(march));
        assert_eq!(recorded, Plan { business_date: Some(march), facts: end, state: end });
        let split = plan(BusinessTime::Split, Some(march), None);
        assert_eq!(split, Plan { business_date: Some(march), facts: None, state: end });
    }

    #[test]
    fn a_recorded_date_rebuilds_every_model_and_is_also_its_business_date() {
        let march = day(3, 31);
        let end = Some(end_of_day(march));
        for business_time in
            [BusinessTime::DatedFacts, BusinessTime::AsRecorded, BusinessTime::Split]
        {
            let plan = plan(business_time, None, Some(march));
            assert_eq!(plan, Plan { business_date: Some(march), facts: end, state: end });
        }
    }

    #[test]
    fn with_both_dates_nothing_recorded_after_the_recorded_date_is_read() {
        let (march, april) = (day(3, 31), day(4, 30));
        let later_business = plan(BusinessTime::AsRecorded, Some(april), Some(march));
        assert_eq!(later_business.facts, Some(end_of_day(march)));
        assert_eq!(later_business.business_date, Some(april));
        let split = plan(BusinessTime::Split, Some(march), Some(april));
        assert_eq!((split.facts, split.state), (Some(end_of_day(april)), Some(end_of_day(march))));
    }

    #[test]
    fn a_cut_off_at_or_after_the_last_recorded_event_reads_the_models_in_service() {
        let last = Utc.with_ymd_and_hms(2026, 3, 31, 12, 0, 0).unwrap();
        let march = plan(BusinessTime::AsRecorded, Some(day(3, 31)), None).settled(Some(last));
        assert!(!march.rebuilds(), "{march:?}");
        let before = plan(BusinessTime::AsRecorded, Some(day(3, 30)), None).settled(Some(last));
        assert!(before.rebuilds(), "{before:?}");
        let empty_log = plan(BusinessTime::AsRecorded, Some(day(3, 30)), None).settled(None);
        assert!(!empty_log.rebuilds(), "{empty_log:?}");
    }
}
