//! The typed query over [`ltc_projections::EventCounts`]: per stream kind, how many streams,
//! events and payload bytes the log holds. `ltc query events` prints it, and the report draws
//! it as a bar chart.

use rusqlite::Connection;
use schemars::JsonSchema;
use serde::Serialize;

use super::table::{Align, TextTable, thousands};

/// One stream kind's share of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct EventCountsRow {
    pub stream_kind: String,
    pub n_streams: u64,
    pub n_events: u64,
    pub payload_bytes: u64,
}

/// Every stream kind with at least one event, by kind name.
pub fn query_event_counts(conn: &Connection) -> rusqlite::Result<Vec<EventCountsRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT stream_kind, n_streams, n_events, payload_bytes \
         FROM event_counts_by_kind ORDER BY stream_kind",
    )?;
    let rows = statement.query_map([], |row| {
        let count = |idx: usize| row.get::<_, i64>(idx).map(|n| u64::try_from(n).unwrap_or(0));
        Ok(EventCountsRow {
            stream_kind: row.get(0)?,
            n_streams: count(1)?,
            n_events: count(2)?,
            payload_bytes: count(3)?,
        })
    })?;
    rows.collect()
}

/// The rows as an aligned table with a total line.
pub fn render_event_counts(rows: &[EventCountsRow]) -> String {
    let mut table = TextTable::new(&[
        ("stream kind", Align::Left),
        ("streams", Align::Right),
        ("events", Align::Right),
        ("payload bytes", Align::Right),
    ]);
    for row in rows {
        table.row(vec![
            row.stream_kind.clone(),
            thousands(row.n_streams),
            thousands(row.n_events),
            thousands(row.payload_bytes),
        ]);
    }
    let sum = |field: fn(&EventCountsRow) -> u64| thousands(rows.iter().map(field).sum());
    table.row(vec![
        "total".to_owned(),
        sum(|row| row.n_streams),
        sum(|row| row.n_events),
        sum(|row| row.payload_bytes),
    ]);
    table.render()
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn the_table_lists_each_kind_and_a_total_of_every_column() {
        let row = |kind: &str, n_streams, n_events, payload_bytes| EventCountsRow {
            stream_kind: kind.to_owned(),
            n_streams,
            n_events,
            payload_bytes,
        };
        let rows = [row("lead", 40, 310, 61_234), row("opportunity", 12, 1_190, 240_010)];
        expect![[r#"
            stream kind  streams  events  payload bytes
            -----------  -------  ------  -------------
            lead              40     310         61,234
            opportunity       12   1,190        240,010
            total             52   1,500        301,244
        "#]]
        .assert_eq(&render_event_counts(&rows));
    }
}
