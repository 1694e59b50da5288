//! [`ReadFiltered`]: the events whose envelope header a [`HeaderFilter`] selects, in position
//! order, a page at a time. SQLite applies the filter while it scans, so the events it passes
//! over are never built: a reader that wants a tenth of the log pays for a tenth of the
//! envelopes (and, without an index on these columns, still one pass over the table). Since it
//! never sees the rows it passes over, it first checks that none is missing, as `ReadAll` does
//! row by row.

use std::sync::Arc;

use rusqlite::types::Value;
use uuid::Uuid;

use crate::envelope::{Position, RecordedEvent};
use crate::error::ReadError;
use crate::ids::StreamId;
use crate::limits::READ_PAGE_EVENTS;
use crate::read::{EVENT_COLUMNS, Pages, ReaderPool, check_gap_free, row_to_event, to_sql_int};

/// Which events a filtered read returns, by their envelope header alone: a small expression
/// that [`HeaderFilter::selects`] evaluates in Rust and a filtered read hands to SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderFilter {
    /// Every event.
    Everything,
    /// Events of streams of these kinds.
    KindIn(Vec<String>),
    /// Events of these types.
    TypeIn(Vec<String>),
    /// Events of these streams.
    StreamIn(Vec<StreamId>),
    /// The first event (version 1) of each stream.
    FirstOfItsStream,
    /// Events of one business flow: their metadata's correlation id.
    CorrelationIs(Uuid),
    /// Events every one of these selects (all of an empty list: every event).
    All(Vec<HeaderFilter>),
    /// Events at least one of these selects (any of an empty list: none).
    Any(Vec<HeaderFilter>),
}

impl HeaderFilter {
    /// Whether the filter selects `event`: what the SQL of a filtered read says, for events
    /// already in hand.
    pub fn selects(&self, event: &RecordedEvent) -> bool {
        match self {
            HeaderFilter::Everything => true,
            HeaderFilter::KindIn(kinds) => {
                kinds.iter().any(|kind| kind == event.stream.kind.as_str())
            }
            HeaderFilter::TypeIn(types) => types.contains(&event.event_type),
            HeaderFilter::StreamIn(streams) => streams.contains(&event.stream),
            HeaderFilter::FirstOfItsStream => event.version == 1,
            HeaderFilter::CorrelationIs(id) => event.metadata.correlation_id == *id,
            HeaderFilter::All(filters) => filters.iter().all(|filter| filter.selects(event)),
            HeaderFilter::Any(filters) => filters.iter().any(|filter| filter.selects(event)),
        }
    }

    /// The filter as an SQL condition on `events`, its values appended to `bound` and named by
    /// their place in it (`?N`), so the text depends only on the filter's shape.
    fn condition(&self, bound: &mut Vec<Value>) -> String {
        let mut bind = |value: Value| {
            bound.push(value);
            format!("?{}", bound.len())
        };
        match self {
            HeaderFilter::Everything => "1".to_owned(),
            HeaderFilter::KindIn(kinds) => {
                let names: Vec<String> =
                    kinds.iter().map(|kind| bind(Value::Text(kind.clone()))).collect();
                format!("stream_kind IN ({})", names.join(", "))
            }
            HeaderFilter::TypeIn(types) => {
                let names: Vec<String> =
                    types.iter().map(|name| bind(Value::Text(name.clone()))).collect();
                format!("event_type IN ({})", names.join(", "))
            }
            HeaderFilter::StreamIn(streams) => {
                // A row-value list, not a chain of ORs: SQLite nests an OR chain a level per
                // term and refuses one deeper than 1,000.
                let pairs: Vec<String> = streams
                    .iter()
                    .map(|stream| {
                        let id = bind(Value::Blob(stream.id.as_bytes().to_vec()));
                        let kind = bind(Value::Text(stream.kind.as_str().to_owned()));
                        format!("({id}, {kind})")
                    })
                    .collect();
                if pairs.is_empty() {
                    "0".to_owned()
                } else {
                    format!("(stream_id, stream_kind) IN (VALUES {})", pairs.join(", "))
                }
            }
            HeaderFilter::FirstOfItsStream => "version = 1".to_owned(),
            HeaderFilter::CorrelationIs(id) => {
                format!("correlation_id = {}", bind(Value::Blob(id.as_bytes().to_vec())))
            }
            HeaderFilter::All(filters) => {
                let parts: Vec<String> =
                    filters.iter().map(|filter| filter.condition(bound)).collect();
                if parts.is_empty() { "1".to_owned() } else { format!("({})", parts.join(" AND ")) }
            }
            HeaderFilter::Any(filters) => {
                let parts: Vec<String> =
                    filters.iter().map(|filter| filter.condition(bound)).collect();
                if parts.is_empty() { "0".to_owned() } else { format!("({})", parts.join(" OR ")) }
            }
        }
    }
}

/// Made by [`crate::EventStore::read_filtered`]. After an error it yields nothing more.
#[derive(Debug)]
pub struct ReadFiltered {
    pool: Arc<ReaderPool>,
    /// A page's query: `?1` the first position, `?2` the page size, the filter's values after.
    sql: String,
    filter_values: Vec<Value>,
    first_position: u64,
    next_position: u64,
    last_position: u64,
    pages: Pages,
}

impl ReadFiltered {
    pub(crate) fn new(
        pool: Arc<ReaderPool>,
        from: Position,
        to: Position,
        filter: &HeaderFilter,
    ) -> ReadFiltered {
        let mut bound = vec![Value::Null, Value::Null, Value::Null];
        let condition = filter.condition(&mut bound);
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position >= ?1 AND position <= ?3 \
             AND {condition} ORDER BY position LIMIT ?2"
        );
        ReadFiltered {
            pool,
            sql,
            filter_values: bound.split_off(3),
            first_position: from.0.max(1),
            next_position: from.0.max(1),
            last_position: to.0,
            pages: Pages::default(),
        }
    }
}

/// One page of a filtered read: up to a page of the selected events from `from` to `to`.
/// The first page (`from == first`) first checks that no row of the log is missing. Also says
/// whether the page is the last: short, and not cut short by a bad row. Asking again past the
/// last match would scan the rest of the range once more, since nothing indexes the filter.
fn read_page(
    pool: &ReaderPool,
    sql: &str,
    filter_values: &[Value],
    (first, from, to): (u64, u64, u64),
) -> Result<(Vec<RecordedEvent>, bool), ReadError> {
    pool.with(|conn| {
        if from == first {
            check_gap_free(conn, from, to)?;
        }
        let mut statement = conn.prepare_cached(sql)?;
        let mut bound = vec![
            Value::Integer(to_sql_int(from)),
            Value::Integer(to_sql_int(READ_PAGE_EVENTS as u64)),
            Value::Integer(to_sql_int(to)),
        ];
        bound.extend(filter_values.iter().cloned());
        let mut rows = statement.query(rusqlite::params_from_iter(bound))?;
        // Grown as rows come: a process manager's round usually selects a few events (see
        // `ReaderPool::read_page`).
        let mut page = Vec::new();
        while let Some(row) = rows.next()? {
            match row_to_event(row) {
                Ok(event) => page.push(event),
                // Hand out the good rows first, so the bad one is reported at its own
                // position when the next page starts with it.
                Err(ReadError::Corrupt { .. }) if !page.is_empty() => return Ok((page, false)),
                Err(error) => return Err(error),
            }
        }
        let last = page.len() < READ_PAGE_EVENTS;
        Ok((page, last))
    })
}

impl Iterator for ReadFiltered {
    type Item = Result<RecordedEvent, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (sql, values) = (&self.sql, &self.filter_values);
        let range = (self.first_position, self.next_position, self.last_position);
        let pool = &self.pool;
        let event = match self.pages.next(|| read_page(pool, sql, values, range))? {
            Ok(event) => event,
            Err(error) => return Some(Err(error)),
        };
        // Positions only grow along the pages; a row that breaks that is not the log it claims.
        if event.position.0 < self.next_position {
            self.pages.finish();
            return Some(Err(ReadError::Corrupt {
                position: event.position.0,
                reason: format!("read after position {}", self.next_position - 1),
            }));
        }
        self.next_position = event.position.0 + 1;
        Some(Ok(event))
    }
}
