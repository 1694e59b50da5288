//! The floor under the peer benchmark's scenarios (a) and (c): the SQLite work ltc's store does
//! for their commands, and nothing else. No engine, no decision, no encoding, no hash chain, no
//! thread hand-off, no look-up before writing: the rows ltc recorded, written again into a fresh
//! store with ltc's schema and pragmas from one thread, one transaction per command for (a) and
//! one per 64 commands for (c) at 64 tasks (a group commit that is always full).
//!
//! Any engine that answers a sequential command only after its events are committed in SQLite
//! pays at least (a)'s floor per command, so that floor ÷ cqrs-es bounds the ratio any such
//! engine can reach in (a) on this machine. BENCHMARKS.md ("Peer") compares it with the issue's
//! goal.

use std::path::Path;
use std::time::{Duration, Instant};

use ltc_eventstore::{Durability, EventStore, StoreOptions};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

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

fn read_commands(source: &Path) -> rusqlite::Result<Vec<CommandRows>> {
    let conn = Connection::open(source)?;
    let events: Vec<Vec<Value>> = all_rows(&conn, "SELECT * FROM events ORDER BY position")?;
    let commands = all_rows(&conn, "SELECT * FROM commands ORDER BY first_position")?;
    let mut events = events.into_iter().peekable();
    let mut recorded = Vec::with_capacity(commands.len());
    for command in commands {
        // `commands` columns: command_id, stream_kind, stream_id, first_version, last_version,
        // first_position, last_position, recorded_at_us.
        let Value::Integer(last_position) = command[6] else {
            return Err(rusqlite::Error::InvalidColumnType(
                6,
                "last_position".to_owned(),
                rusqlite::types::Type::Integer,
            ));
        };
        let mut own = Vec::new();
        let is_own = |event: &Vec<Value>| matches!(event[0], Value::Integer(position) if position <= last_position);
        while let Some(event) = events.next_if(is_own) {
            own.push(event);
        }
        recorded.push(CommandRows { events: own, command });
    }
    Ok(recorded)
}

fn all_rows(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<Vec<Value>>> {
    let mut statement = conn.prepare(sql)?;
    let n_columns = statement.column_count();
    let rows = statement
        .query_map([], |row| (0..n_columns).map(|column| row.get::<_, Value>(column)).collect())?;
    rows.collect()
}

/// The pragmas of ltc's writer connection (`eventstore/src/schema.rs`), at `NORMAL`.
fn open_like_the_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
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
