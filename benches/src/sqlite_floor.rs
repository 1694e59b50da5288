//! The floor under the peer benchmark's scenarios (a) and (c): the SQLite work ltc's store does
//! for their commands, and nothing else. No engine, no decision, no encoding, no hash chain, no
//! thread hand-off, no look-up before writing: the rows ltc recorded, written again into a fresh
//! store with ltc's schema and pragmas from one thread, one transaction per command for (a) and
//! one per 64 commands for (c) at 64 tasks (a group commit that is always full).
//!
//! It is the floor for ltc's rows (its columns, indexes and command records): what ltc would
//! reach if everything around SQLite cost nothing. An engine with leaner rows pays less per row,
//! but not less per commit; BENCHMARKS.md ("Peer") measures that part apart and compares both
//! with the goal.

use std::path::Path;
use std::time::{Duration, Instant};

use ltc_eventstore::{Durability, EventStore, StoreOptions};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params_from_iter};

/// One command's rows as ltc's store wrote them: its events' rows and its `commands` row, every
/// column in table order.
struct CommandRows {
    events: Vec<Vec<Value>>,
    command: Vec<Value>,
}

/// What the replay did.
#[derive(Debug, Clone, Copy)]
pub struct Replayed {
    /// Commands timed: every command of the source but its first (the untimed setup's customer).
    pub commands: u64,
    /// From the first timed `BEGIN` to the last `COMMIT`.
    pub elapsed: Duration,
}

/// Writes the commands recorded in the store at `source` again into a new store at `target`
/// under `synchronous=NORMAL`, `per_transaction` commands to each `BEGIN IMMEDIATE … COMMIT`
/// (1: as ltc's writer does at one sender; more: as its group commit does when that many are
/// queued). The first command (the setup) is written before the clock starts.
pub fn replay_commands(
    source: &Path,
    target: &Path,
    per_transaction: usize,
) -> Result<Replayed, String> {
    let recorded = read_commands(source).map_err(|error| format!("reading {source:?}: {error}"))?;
    // ltc's own code creates the schema, so the floor writes into exactly the tables, indexes
    // and triggers ltc writes into.
    let options = StoreOptions { durability: Durability::Normal, ..StoreOptions::default() };
    drop(EventStore::open(target, options).map_err(|error| error.to_string())?);
    let conn = open_like_the_writer(target).map_err(|error| error.to_string())?;
    let Some((setup, timed)) = recorded.split_first() else {
        return Ok(Replayed { commands: 0, elapsed: Duration::ZERO });
    };
    write_commands(&conn, std::slice::from_ref(setup)).map_err(|error| error.to_string())?;
    let started = Instant::now();
    for batch in timed.chunks(per_transaction.max(1)) {
        write_commands(&conn, batch).map_err(|error| error.to_string())?;
    }
    Ok(Replayed { commands: timed.len() as u64, elapsed: started.elapsed() })
}

/// Columns of `commands` the grouping reads (the table's order: command_id, stream_kind,
/// stream_id, first_version, last_version, first_position, last_position, recorded_at_us).
const FIRST_POSITION: usize = 5;
const LAST_POSITION: usize = 6;

/// Every command's rows, in commit order. Checks what it relies on: each command's events are
/// exactly positions `first_position..=last_position`, and no event is left without a command.
fn read_commands(source: &Path) -> Result<Vec<CommandRows>, String> {
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|error| error.to_string())?;
    let events = all_rows(&conn, "SELECT * FROM events ORDER BY position")?;
    let commands = all_rows(&conn, "SELECT * FROM commands ORDER BY first_position")?;
    let mut events = events.into_iter().peekable();
    let mut recorded = Vec::with_capacity(commands.len());
    for command in commands {
        let (first, last) = (integer(&command[FIRST_POSITION])?, integer(&command[LAST_POSITION])?);
        let mut own = Vec::new();
        while let Some(event) =
            events.next_if(|event| integer(&event[0]).is_ok_and(|at| at <= last))
        {
            own.push(event);
        }
        let positions: Vec<i64> = own.iter().filter_map(|event| integer(&event[0]).ok()).collect();
        if positions != (first..=last).collect::<Vec<_>>() {
            return Err(format!("the command for {first}..={last} has events at {positions:?}"));
        }
        recorded.push(CommandRows { events: own, command });
    }
    match events.next() {
        Some(event) => Err(format!("the event at {:?} has no command record", event[0])),
        None => Ok(recorded),
    }
}

fn integer(value: &Value) -> Result<i64, String> {
    match value {
        Value::Integer(int) => Ok(*int),
        other => Err(format!("expected an integer, found {other:?}")),
    }
}

fn all_rows(conn: &Connection, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    let read = || -> rusqlite::Result<Vec<Vec<Value>>> {
        let mut statement = conn.prepare(sql)?;
        let n_columns = statement.column_count();
        let rows = statement.query_map([], |row| {
            (0..n_columns).map(|column| row.get::<_, Value>(column)).collect()
        })?;
        rows.collect()
    };
    read().map_err(|error| format!("{sql}: {error}"))
}

/// The pragmas of ltc's writer connection (`eventstore/src/schema.rs`), at `NORMAL`.
fn open_like_the_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The writer's `WAL_AUTOCHECKPOINT_PAGES`.
    conn.pragma_update(None, "wal_autocheckpoint", 16 * 1024)?;
    Ok(conn)
}

fn write_commands(conn: &Connection, batch: &[CommandRows]) -> rusqlite::Result<()> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let mut insert_event = conn.prepare_cached(
        "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
         ?15, ?16, ?17)",
    )?;
    let mut insert_command =
        conn.prepare_cached("INSERT INTO commands VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
    for rows in batch {
        for event in &rows.events {
            insert_event.execute(params_from_iter(event))?;
        }
        insert_command.execute(params_from_iter(&rows.command))?;
    }
    conn.prepare_cached("COMMIT")?.execute([])?;
    Ok(())
}
