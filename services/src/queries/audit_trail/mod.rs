//! Audit trails across aggregates, straight from the log. A customer's trail is everything their
//! business went through, lead → customer → opportunity → quote → order → receivable → payment,
//! found by what each stream's first event names (`links.rs`). A correlation's trail is
//! everything one business flow set off, across aggregates, by its correlation id. In both, each
//! event's cause (its causation id: the event a process manager reacted to, or the command lead
//! intake derived its own from) is looked up among the trail's events.
//!
//! Both scan the log once, inside SQLite, which builds only the events they may keep: for a
//! customer, those that may carry a link (`links::LINKING_EVENTS`), a page at a time; for a
//! correlation, the flow's own. Both keep only the trail's own events:
//! memory grows with the trail (at most [`TRAIL_EVENTS_MAX`] events), never with the log.

mod links;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use ltc_domain::customer::CustomerDecider;
use ltc_eventstore::{EventStore, Position, ReadError, RecordedEvent, StreamId};
use ltc_projections::Progress;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::QueryError;
use super::audit::{AuditEvent, audit_event};
use crate::command::Aggregate;
use links::Link;

/// The most events one trail holds: a customer's whole history or one flow is far smaller, and
/// a trail is kept whole in memory.
pub const TRAIL_EVENTS_MAX: usize = 100_000;

/// Whose trail: `{"customer": "0190…"}` or `{"correlation": "0190…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrailScope {
    Customer(Uuid),
    Correlation(Uuid),
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuditTrail {
    pub scope: TrailScope,
    /// Every stream the trail touches, in the order it first appears.
    pub streams: Vec<TrailStream>,
    /// Every event of the trail, in position order.
    pub events: Vec<TrailEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TrailStream {
    pub stream: String,
    /// The stream of the trail this one grew out of, as its events name it (a customer's lead,
    /// an order's quote, a merged lead's survivor); `None` where the trail starts.
    pub from_stream: Option<String>,
    pub events: u64,
    pub first_position: u64,
    pub last_position: u64,
}

/// One event of a trail: the audit's view of it, its stream, and its cause if the trail holds it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TrailEvent {
    pub stream: String,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub caused_by: Option<Cause>,
}

/// The event a causation id names (or the first event of the command it names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Cause {
    pub position: u64,
    pub stream: String,
    pub event_type: String,
}

/// The trail of `scope`, read from the log. Blocking: SQLite reads. Finding a trail scans the
/// whole log once (nothing indexes the links it follows); `progress` hears how far the scan is
/// every few thousand events for a customer's trail, and once at the end for a correlation's,
/// which SQLite filters.
pub fn audit_trail(
    store: &EventStore,
    scope: TrailScope,
    progress: &mut dyn FnMut(&Progress),
) -> Result<AuditTrail, QueryError> {
    let mut scan = Scan::new(store, progress);
    let recorded = match scope {
        TrailScope::Customer(customer) => customer_events(store, customer, &mut scan)?,
        TrailScope::Correlation(correlation) => correlated_events(store, correlation)?,
    };
    scan.done();
    assemble(scope, &recorded)
}

/// Every event of every stream that serves `customer`, in position order.
fn customer_events(
    store: &EventStore,
    customer: Uuid,
    scan: &mut Scan<'_>,
) -> Result<Vec<RecordedEvent>, QueryError> {
    let mut streams: Vec<StreamId> = Vec::new();
    // The head the scan reports progress against, so progress never passes its total.
    let head = Position(scan.events_total);
    for event in store.read_filtered(Position::START, head, &links::LINKING_EVENTS) {
        let event = event.map_err(read_error)?;
        scan.reached(event.position.0);
        if let Some(Link::Belongs { stream, customer: of, .. }) = links::link_of(&event)?
            && of == customer
            && !streams.contains(&stream)
        {
            streams.push(stream);
        }
    }
    let customer_stream = StreamId::new(CustomerDecider::KIND, customer)
        .expect("aggregate kinds are valid stream kinds");
    if !streams.contains(&customer_stream) {
        return Err(QueryError::UnknownStream(customer_stream.to_string()));
    }
    // A lead merged into one of the customer's leads belongs to the trail too; its merge is
    // recorded in the survivor's stream, read here.
    let mut seen: HashSet<StreamId> = streams.iter().cloned().collect();
    let mut events = Vec::new();
    while let Some(stream) = streams.pop() {
        let recorded = store.read_stream(&stream, 1).map_err(read_error)?;
        for event in &recorded {
            if links::may_link(event)
                && let Some(Link::MergedDuplicate { duplicate, .. }) = links::link_of(event)?
                && seen.insert(duplicate.clone())
            {
                streams.push(duplicate);
            }
        }
        events.extend(recorded);
        check_size(events.len())?;
    }
    events.sort_by_key(|event| event.position);
    Ok(events)
}

/// Every event carrying `correlation`, in position order. The store filters inside SQLite, so
/// the scan reports no progress until it is done.
fn correlated_events(
    store: &EventStore,
    correlation: Uuid,
) -> Result<Vec<RecordedEvent>, QueryError> {
    let events = store.read_correlated(correlation, TRAIL_EVENTS_MAX + 1).map_err(read_error)?;
    check_size(events.len())?;
    if events.is_empty() {
        return Err(QueryError::UnknownCorrelation(correlation));
    }
    Ok(events)
}

/// The trail's streams with where each came from, and its events with their causes.
fn assemble(scope: TrailScope, recorded: &[RecordedEvent]) -> Result<AuditTrail, QueryError> {
    let mut streams: Vec<TrailStream> = Vec::new();
    let mut stream_index: HashMap<&StreamId, usize> = HashMap::new();
    for event in recorded {
        let index = *stream_index.entry(&event.stream).or_insert_with(|| {
            streams.push(TrailStream {
                stream: event.stream.to_string(),
                from_stream: None,
                events: 0,
                first_position: event.position.0,
                last_position: event.position.0,
            });
            streams.len() - 1
        });
        let stream = &mut streams[index];
        stream.events += 1;
        stream.last_position = event.position.0;
    }
    for event in recorded.iter().filter(|event| links::may_link(event)) {
        let (stream, from) = match links::link_of(event)? {
            Some(Link::Belongs { stream, from: Some(from), .. }) => (stream, from),
            Some(Link::MergedDuplicate { duplicate, survivor }) => (duplicate, survivor),
            _ => continue,
        };
        if let (Some(&index), true) = (stream_index.get(&stream), stream_index.contains_key(&from))
        {
            streams[index].from_stream = Some(from.to_string());
        }
    }

    let mut by_event_id: HashMap<Uuid, usize> = HashMap::new();
    let mut by_command_id: HashMap<Uuid, usize> = HashMap::new();
    for (index, event) in recorded.iter().enumerate() {
        by_event_id.insert(event.event_id.0, index);
        by_command_id.entry(event.metadata.command_id).or_insert(index);
    }
    let mut events = Vec::with_capacity(recorded.len());
    for event in recorded {
        let cause = event.metadata.causation_id.and_then(|causation| {
            by_event_id.get(&causation).or_else(|| by_command_id.get(&causation))
        });
        events.push(TrailEvent {
            stream: event.stream.to_string(),
            event: audit_event(event)?,
            caused_by: cause.map(|&index| Cause {
                position: recorded[index].position.0,
                stream: recorded[index].stream.to_string(),
                event_type: recorded[index].event_type.clone(),
            }),
        });
    }
    Ok(AuditTrail { scope, streams, events })
}

fn check_size(n_events: usize) -> Result<(), QueryError> {
    if n_events > TRAIL_EVENTS_MAX {
        return Err(QueryError::OutOfRange(format!(
            "the trail holds more than {TRAIL_EVENTS_MAX} events; audit its streams one by one"
        )));
    }
    Ok(())
}

fn read_error(error: ReadError) -> QueryError {
    match error {
        ReadError::Storage(error) => QueryError::storage(error),
        ReadError::Corrupt { .. } => QueryError::Corrupt(error.to_string()),
    }
}

/// How often the scan's progress is reported, in events: often enough for a bar that moves,
/// rarely enough to cost nothing.
const PROGRESS_EVERY_EVENTS: u64 = 4_096;

/// A scan of the whole log, reporting its progress.
struct Scan<'a> {
    started: Instant,
    events_total: u64,
    events_done: u64,
    progress: &'a mut dyn FnMut(&Progress),
}

impl<'a> Scan<'a> {
    fn new(store: &EventStore, progress: &'a mut dyn FnMut(&Progress)) -> Scan<'a> {
        let events_total = store.head().position;
        Scan { started: Instant::now(), events_total, events_done: 0, progress }
    }

    /// The scan has passed every position up to `position`.
    fn reached(&mut self, position: u64) {
        let before = self.events_done;
        self.events_done = position;
        if before / PROGRESS_EVERY_EVENTS != position / PROGRESS_EVERY_EVENTS {
            self.report();
        }
    }

    /// The whole log has been scanned, here or inside SQLite.
    fn done(&mut self) {
        self.events_done = self.events_done.max(self.events_total);
        self.report();
    }

    fn report(&mut self) {
        let elapsed = self.started.elapsed();
        (self.progress)(&Progress::new(self.events_done, self.events_total, elapsed));
    }
}
