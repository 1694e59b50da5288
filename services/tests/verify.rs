//! `ltc verify` on tampered copies of a real log (the seeded demo): each kind of tampering exits 1
//! naming the first bad position, and the untouched log exits 0. The tampering is done as an
//! attacker with the file would: a plain SQLite connection, the append-only triggers dropped,
//! and where it says so the hash chain recomputed after the edit so that it links up again.
//! (The store's own tamper tests, on a synthetic log, are in eventstore/tests/store/tamper/.)

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use ltc_eventstore::{EventStore, GENESIS_HASH, Position, StoreOptions, recompute_hash};
use rusqlite::{Connection, params};
use support::{output_text as text, run_ltc as ltc};
use tempfile::TempDir;

/// One seeded demo per test binary; every test edits its own copy.
fn pristine() -> &'static Path {
    static PRISTINE: OnceLock<TempDir> = OnceLock::new();
    PRISTINE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().to_str().unwrap();
            let output = ltc(&["demo", "--data", data, "--seed", "42", "--scale", "small"]);
            assert!(output.status.success(), "{}", text(&output));
            dir
        })
        .path()
}

/// A copy of the demo's log, its triggers dropped, `edit` applied through a plain connection.
struct Tampered {
    dir: TempDir,
}

impl Tampered {
    fn new(edit: impl FnOnce(&Connection)) -> Tampered {
        let dir = tempfile::tempdir().unwrap();
        for name in ["events.db", "events.db-wal"] {
            let from = pristine().join(name);
            if from.exists() {
                std::fs::copy(from, dir.path().join(name)).unwrap();
            }
        }
        let tampered = Tampered { dir };
        let conn = tampered.connection();
        edit(&conn);
        tampered
    }

    fn data(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("events.db")
    }

    /// A plain connection, without the append-only triggers (opening the store puts them back).
    fn connection(&self) -> Connection {
        let conn = Connection::open(self.path()).unwrap();
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS events_are_append_only_update;
             DROP TRIGGER IF EXISTS events_are_append_only_delete;",
        )
        .unwrap();
        conn
    }

    /// Recomputes every hash from `from` on, as a forger with the hash function would, so that
    /// the chain links up again over the edited rows.
    fn rechain_from(&self, from: u64) {
        let events: Vec<_> = {
            let store = EventStore::open(self.path(), StoreOptions::default()).unwrap();
            store.read_all(Position(from.max(2) - 1), u64::MAX).map(Result::unwrap).collect()
        };
        let mut previous = GENESIS_HASH;
        let conn = self.connection();
        for event in events {
            if event.position.0 < from {
                previous = event.hash;
                continue;
            }
            let hash = recompute_hash(&previous, &event);
            let sql = "UPDATE events SET hash = ?1 WHERE position = ?2";
            assert_eq!(conn.execute(sql, params![hash.0, sql_int(event.position.0)]).unwrap(), 1);
            previous = hash;
        }
    }

    fn verify(&self, extra: &[&str]) -> Output {
        let mut args = vec!["verify", "--data", self.data()];
        args.extend_from_slice(extra);
        ltc(&args)
    }
}

fn sql_int(position: u64) -> i64 {
    i64::try_from(position).unwrap()
}

/// The position of the first row `sql` (a `SELECT position …`) finds in the demo's log.
fn position_of(sql: &str) -> u64 {
    let conn = Connection::open(pristine().join("events.db")).unwrap();
    let position: i64 = conn.query_row(sql, [], |row| row.get(0)).unwrap();
    u64::try_from(position).unwrap()
}

/// `ltc verify` exited 1, said in words which position is the first bad one, and `--json`
/// agrees on the position and names the kind of problem.
#[track_caller]
fn check_tampered(tampered: &Tampered, extra: &[&str], position: u64, code: &str) {
    let output = tampered.verify(extra);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let said = format!("first bad       position {position}\n");
    assert!(text(&output).contains(&said), "{said:?} missing from\n{}", text(&output));

    let mut json_args = extra.to_vec();
    json_args.push("--json");
    let output = tampered.verify(&json_args);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["problem"]["position"], position, "{report}");
    assert_eq!(report["problem"]["code"], code, "{report}");
    assert_eq!(report["events_checked"], position - 1, "{report}");
}

#[test]
fn the_untouched_demo_log_exits_0_with_every_event_checked() {
    let untouched = Tampered::new(|_| {});
    let output = untouched.verify(&["--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let head = position_of("SELECT max(position) FROM events");
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["events_checked"], head, "{report}");
    assert_eq!(report["problem"], serde_json::Value::Null, "{report}");
}

#[test]
fn a_byte_flipped_in_a_payload_exits_1_naming_its_position() {
    let position = position_of("SELECT position FROM events WHERE event_type = 'QuoteCreated'");
    let tampered = Tampered::new(|conn| {
        let sql = "SELECT payload FROM events WHERE position = ?1";
        let mut payload: Vec<u8> =
            conn.query_row(sql, [sql_int(position)], |row| row.get(0)).unwrap();
        let middle = payload.len() / 2;
        payload[middle] ^= 0x01;
        let sql = "UPDATE events SET payload = ?1 WHERE position = ?2";
        assert_eq!(conn.execute(sql, params![payload, sql_int(position)]).unwrap(), 1);
    });
    check_tampered(&tampered, &[], position, "hash_mismatch");
}

#[test]
fn a_deleted_row_exits_1_naming_the_missing_position() {
    let position = position_of("SELECT position FROM events WHERE event_type = 'PaymentReceived'");
    let tampered = Tampered::new(|conn| {
        let sql = "DELETE FROM events WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(position)]).unwrap(), 1);
    });
    check_tampered(&tampered, &[], position, "missing");
}

#[test]
fn two_swapped_rows_exit_1_naming_the_earlier_position() {
    let earlier = position_of("SELECT position FROM events WHERE event_type = 'OrderPlaced'");
    let later = earlier + 5;
    let tampered = Tampered::new(|conn| {
        // Positions are the rowid: move one row aside, the other into its place, then back.
        let (earlier, later) = (sql_int(earlier), sql_int(later));
        for (from, to) in [(earlier, -1), (later, earlier), (-1, later)] {
            let sql = "UPDATE events SET position = ?1 WHERE position = ?2";
            assert_eq!(conn.execute(sql, [to, from]).unwrap(), 1);
        }
    });
    check_tampered(&tampered, &[], earlier, "hash_mismatch");
}

#[test]
fn a_stream_version_gap_under_a_recomputed_chain_exits_1_naming_the_event_after_the_gap() {
    // The last event of a quote stream moves one version up: its stream skips a version.
    let position = position_of(
        "SELECT max(position) FROM events WHERE stream_kind = 'quote' \
         GROUP BY stream_id HAVING count(*) >= 3 ORDER BY max(position) LIMIT 1",
    );
    let tampered = Tampered::new(|conn| {
        let sql = "UPDATE events SET version = version + 1 WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(position)]).unwrap(), 1);
    });
    tampered.rechain_from(position);
    check_tampered(&tampered, &[], position, "stream_version");
}

#[test]
fn an_undecodable_payload_under_a_recomputed_hash_exits_1_naming_its_position() {
    let position = position_of("SELECT position FROM events WHERE event_type = 'OrderInvoiced'");
    let tampered = Tampered::new(|conn| {
        let sql = "UPDATE events SET payload = x'ffffffff' WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(position)]).unwrap(), 1);
    });
    tampered.rechain_from(position);
    check_tampered(&tampered, &[], position, "undecodable");
}

#[test]
fn an_unknown_schema_version_under_a_recomputed_hash_exits_1_naming_its_position() {
    let position = position_of("SELECT position FROM events WHERE event_type = 'LeadQualified'");
    let tampered = Tampered::new(|conn| {
        let sql = "UPDATE events SET schema_version = 99 WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(position)]).unwrap(), 1);
    });
    tampered.rechain_from(position);
    check_tampered(&tampered, &[], position, "undecodable");
    let output = tampered.verify(&[]);
    assert!(text(&output).contains("schema version 99 are unknown"), "{}", text(&output));
}

#[test]
fn another_events_valid_payload_under_a_recomputed_hash_exits_1_naming_its_position() {
    // A quote's "sent" payload put under its "approved" envelope: it decodes, but as the wrong
    // event.
    let position = position_of("SELECT position FROM events WHERE event_type = 'QuoteApproved'");
    let tampered = Tampered::new(|conn| {
        let sql = "UPDATE events SET payload = (SELECT payload FROM events \
                   WHERE event_type = 'QuoteSent' ORDER BY position LIMIT 1) WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(position)]).unwrap(), 1);
    });
    tampered.rechain_from(position);
    check_tampered(&tampered, &[], position, "undecodable");
    let output = tampered.verify(&[]);
    assert!(text(&output).contains("names a QuoteApproved but the payload is a QuoteSent"));
}

#[test]
fn a_prefix_rewritten_under_a_recomputed_chain_passes_plain_verify_but_not_against_an_older_anchor()
{
    let untouched = Tampered::new(|_| {});
    let output = untouched.verify(&["--anchor"]);
    assert!(output.status.success(), "{}", text(&output));
    let anchor = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let head = position_of("SELECT max(position) FROM events");
    assert!(anchor.starts_with(&format!("{head}:")), "{anchor}");

    // Who approved the first approved quote is rewritten, and every hash after it recomputed.
    let position = position_of("SELECT position FROM events WHERE event_type = 'QuoteApproved'");
    let tampered = Tampered::new(|conn| {
        let sql = "UPDATE events SET actor = 'mallory' WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(position)]).unwrap(), 1);
    });
    tampered.rechain_from(position);

    let plain = tampered.verify(&[]);
    assert!(plain.status.success(), "a consistent rewrite links up: {}", text(&plain));
    // Only the anchor's own position can be named: nothing in today's log says where the
    // rewrite began.
    check_tampered(&tampered, &["--against", &anchor], head, "anchor_mismatch");
    assert!(untouched.verify(&["--against", &anchor]).status.success());
}
