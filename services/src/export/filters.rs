//! [`Selection`]: which events an export writes. A range of positions, given as positions or
//! as recorded times (placed in the log by bisection, since `recorded_at` never decreases along
//! positions), and optionally only some event types and some streams or stream kinds.
//!
//! Times are recorded times (when ltc committed the event), the order of the log. A bare date
//! is a whole day in UTC: `--from 2026-03-01` starts at its first event, `--to 2026-03-31`
//! ends with its last.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use ltc_domain::customer::CustomerDecider;
use ltc_domain::lead::LeadDecider;
use ltc_domain::opportunity::OpportunityDecider;
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::QuotaDecider;
use ltc_domain::quote::QuoteDecider;
use ltc_eventstore::{EventStore, HeaderFilter, RecordedEvent, StreamId};
use ltc_projections::{ProjectorError, RebuildTarget, resolve_target};

use crate::command::Aggregate;
use crate::queries::end_of_day;

/// Every stream kind this build writes.
const KINDS: [&str; 7] = [
    LeadDecider::KIND,
    CustomerDecider::KIND,
    OpportunityDecider::KIND,
    QuoteDecider::KIND,
    OrderDecider::KIND,
    PaymentDecider::KIND,
    QuotaDecider::KIND,
];

/// One end of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A log position, included.
    Position(u64),
    /// A recorded time: from the first event recorded at or after it, or up to the last
    /// recorded at or before it.
    Time(DateTime<Utc>),
    /// A whole day in UTC, included.
    Day(NaiveDate),
}

/// One stream, or every stream of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamFilter {
    Stream(StreamId),
    Kind(String),
}

/// A bound or stream option that does not parse; the message says what would.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidFilter {
    #[error("{0:?} is not a position, a date (2026-03-31) or an RFC 3339 time")]
    Bound(String),
    #[error("{text:?} is not a stream id (kind-uuid) or a stream kind ({known})")]
    Stream { text: String, known: String },
}

/// Which events to export. The default selects the whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub from: Option<Bound>,
    pub to: Option<Bound>,
    /// Event types (`PaymentReceived`); empty: every type.
    pub types: Vec<String>,
    /// Streams and stream kinds; empty: every stream.
    pub streams: Vec<StreamFilter>,
}

impl Bound {
    /// A position (`1200`), a date (`2026-03-31`) or an RFC 3339 time.
    pub fn parse(text: &str) -> Result<Bound, InvalidFilter> {
        if let Ok(position) = text.parse::<u64>() {
            return Ok(Bound::Position(position));
        }
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Bound::Day(day));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|at| Bound::Time(at.with_timezone(&Utc)))
            .map_err(|_| InvalidFilter::Bound(text.to_owned()))
    }
}

impl StreamFilter {
    /// A stream id (`payment-0190…`) or a stream kind (`payment`).
    pub fn parse(text: &str) -> Result<StreamFilter, InvalidFilter> {
        if let Some(kind) = KINDS.iter().find(|kind| **kind == text) {
            return Ok(StreamFilter::Kind((*kind).to_owned()));
        }
        text.parse::<StreamId>()
            .map(StreamFilter::Stream)
            .map_err(|_| InvalidFilter::Stream { text: text.to_owned(), known: KINDS.join(", ") })
    }

    fn admits(&self, event: &RecordedEvent) -> bool {
        match self {
            StreamFilter::Stream(stream) => event.stream == *stream,
            StreamFilter::Kind(kind) => event.stream.kind.as_str() == kind,
        }
    }
}

impl Selection {
    /// The first and last positions of the range in `store` as it stands now; `first > last`
    /// when the range holds nothing.
    pub fn positions(&self, store: &EventStore) -> Result<(u64, u64), ProjectorError> {
        let head = store.head().position;
        let first = match self.from {
            None => 1,
            Some(Bound::Position(position)) => position.max(1),
            Some(Bound::Time(at)) => first_recorded_from(store, at)?,
            Some(Bound::Day(day)) => {
                first_recorded_from(store, day.and_time(Default::default()).and_utc())?
            }
        };
        let last = match self.to {
            None => head,
            Some(Bound::Position(position)) => position.min(head),
            Some(Bound::Time(at)) => resolve_target(store, RebuildTarget::RecordedAt(at))?,
            Some(Bound::Day(day)) => {
                resolve_target(store, RebuildTarget::RecordedAt(end_of_day(day)))?
            }
        };
        Ok((first, last))
    }

    /// The selection's types and streams as a filter the log applies while it scans
    /// ([`EventStore::read_filtered`]); it selects exactly what [`Selection::admits`] admits.
    pub fn header_filter(&self) -> HeaderFilter {
        let mut all = Vec::new();
        if !self.types.is_empty() {
            all.push(HeaderFilter::TypeIn(self.types.clone()));
        }
        if !self.streams.is_empty() {
            let (mut kinds, mut streams) = (Vec::new(), Vec::new());
            for filter in &self.streams {
                match filter {
                    StreamFilter::Kind(kind) => kinds.push(kind.clone()),
                    StreamFilter::Stream(stream) => streams.push(stream.clone()),
                }
            }
            all.push(HeaderFilter::Any(vec![
                HeaderFilter::KindIn(kinds),
                HeaderFilter::StreamIn(streams),
            ]));
        }
        HeaderFilter::All(all)
    }

    /// Whether `event` passes the type and stream filters.
    pub fn admits(&self, event: &RecordedEvent) -> bool {
        let type_admitted = self.types.is_empty() || self.types.contains(&event.event_type);
        let stream_admitted =
            self.streams.is_empty() || self.streams.iter().any(|filter| filter.admits(event));
        type_admitted && stream_admitted
    }
}

/// The first position recorded at or after `at`: one past the last recorded before it.
fn first_recorded_from(store: &EventStore, at: DateTime<Utc>) -> Result<u64, ProjectorError> {
    let just_before = at - TimeDelta::microseconds(1);
    Ok(resolve_target(store, RebuildTarget::RecordedAt(just_before))? + 1)
}
