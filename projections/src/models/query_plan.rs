//! For tests that pin how SQLite answers a read model's query: the steps of its plan.

use rusqlite::{Connection, Params};

/// The `detail` of each step of `sql`'s plan (`SCAN o`, `SEARCH r USING PRIMARY KEY (…)`), in
/// the order SQLite reports them.
pub(crate) fn query_plan(conn: &Connection, sql: &str, params: impl Params) -> Vec<String> {
    let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("the plan");
    let steps = statement.query_map(params, |row| row.get::<_, String>(3)).expect("its steps");
    steps.map(|step| step.expect("a step")).collect()
}
