//! [`ReadFiltered`]: the events whose envelope header a [`HeaderFilter`] selects, in position
//! order, a page at a time. SQLite applies the filter while it scans, so the events it passes
//! over are never built: a reader that wants a quarter of the log pays for a quarter of the
//! envelopes (and, without an index on these columns, still one pass over the table).

use std::collections::VecDeque;
use std::sync::Arc;

use rusqlite::types::Value;

use crate::envelope::{Position, RecordedEvent};
use crate::error::ReadError;
use crate::limits::READ_PAGE_EVENTS;
use crate::read::{EVENT_COLUMNS, ReaderPool, row_to_event, to_sql_int};

/// Which events a filtered read returns, by stream kind and version alone. An event is selected
/// when either list selects it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderFilter {
    /// Every event of the streams of these kinds.
    pub every_event_of: Vec<String>,
    /// The first event (version 1) of each stream of these kinds.
    pub first_event_of: Vec<String>,
}

impl HeaderFilter {
    /// Whether the filter selects `event`: what the SQL of a filtered read says, for events
    /// already in hand.
    pub fn selects(&self, event: &RecordedEvent) -> bool {
        let kind = event.stream.kind.as_str();
        self.every_event_of.iter().any(|every| every == kind)
            || (event.version == 1 && self.first_event_of.iter().any(|first| first == kind))
    }

    /// The `WHERE` clause of a page from `?1` of `?2` events, and the kinds it binds from `?3`.
    fn sql(&self) -> String {
        let placeholders = |from: usize, n: usize| {
            (from..from + n).map(|idx| format!("?{idx}")).collect::<Vec<_>>().join(", ")
        };
        let n_every = self.every_event_of.len();
        let every = placeholders(3, n_every);
        let first = placeholders(3 + n_every, self.first_event_of.len());
        format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position >= ?1 \
             AND (stream_kind IN ({every}) OR (version = 1 AND stream_kind IN ({first}))) \
             ORDER BY position LIMIT ?2"
        )
    }
}

/// Made by [`crate::EventStore::read_filtered`]. After an error it yields nothing more.
#[derive(Debug)]
pub struct ReadFiltered {
    pool: Arc<ReaderPool>,
    filter: HeaderFilter,
    sql: String,
    next_position: u64,
    page: VecDeque<RecordedEvent>,
    finished: bool,
}

impl ReadFiltered {
    pub(crate) fn new(pool: Arc<ReaderPool>, from: Position, filter: HeaderFilter) -> ReadFiltered {
        let sql = filter.sql();
        ReadFiltered {
            pool,
            filter,
            sql,
            next_position: from.0.max(1),
            page: VecDeque::new(),
            finished: false,
        }
    }

    fn read_page(&self) -> Result<Vec<RecordedEvent>, ReadError> {
        self.pool.with(|conn| {
            let mut statement = conn.prepare_cached(&self.sql)?;
            let mut bound = vec![
                Value::Integer(to_sql_int(self.next_position)),
                Value::Integer(to_sql_int(READ_PAGE_EVENTS as u64)),
            ];
            let kinds = self.filter.every_event_of.iter().chain(&self.filter.first_event_of);
            bound.extend(kinds.map(|kind| Value::Text(kind.clone())));
            let mut rows = statement.query(rusqlite::params_from_iter(bound))?;
            let mut page = Vec::with_capacity(READ_PAGE_EVENTS);
            while let Some(row) = rows.next()? {
                page.push(row_to_event(row)?);
            }
            Ok(page)
        })
    }
}

impl Iterator for ReadFiltered {
    type Item = Result<RecordedEvent, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if self.page.is_empty() {
            match self.read_page() {
                Ok(page) if page.is_empty() => {
                    self.finished = true;
                    return None;
                }
                Ok(page) => self.page = page.into(),
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
        let event = self.page.pop_front()?;
        // Positions only grow along the pages; a row that breaks that is not the log it claims.
        if event.position.0 < self.next_position {
            self.finished = true;
            return Some(Err(ReadError::Corrupt {
                position: event.position.0,
                reason: format!("read after position {}", self.next_position - 1),
            }));
        }
        self.next_position = event.position.0 + 1;
        Some(Ok(event))
    }
}
