//! A forger who recomputes every hash after an edit: the chain links up again, so what gives the
//! edit away is a stream whose versions no longer run 1, 2, 3, … in position order, or the
//! caller's own check of each row.

use ltc_eventstore::{GENESIS_HASH, Position, recompute_hash};

use super::*;

/// Stream `lead-0` is written by appends 0, 6, 12, 18 and 24: its last versions, 41..=50, stand
/// at positions 241..=250, right after a quote's events.
const LEAD_0_VERSION_41: u64 = 241;

impl Tampered {
    /// Rewrites every hash from `from` on so that the chain links up again over the edited rows:
    /// what a forger with the file and the hash function does after an edit.
    fn rechain_from(&self, from: u64) {
        let mut previous = if from == 1 {
            GENESIS_HASH
        } else {
            self.store.read_all(Position(from - 1), 1).next().unwrap().unwrap().hash
        };
        let conn = raw_connection(&self._dir.path().join("events.db"));
        // Opening the store put the append-only triggers back.
        conn.execute_batch("DROP TRIGGER events_are_append_only_update").unwrap();
        for event in self.store.read_all(Position(from), u64::MAX) {
            let event = event.unwrap();
            let hash = recompute_hash(&previous, &event);
            let sql = "UPDATE events SET hash = ?1 WHERE position = ?2";
            assert_eq!(conn.execute(sql, params![hash.0, sql_int(event.position.0)]).unwrap(), 1);
            previous = hash;
        }
    }
}

#[test]
fn a_stream_version_skipped_under_a_recomputed_chain_is_named_at_the_event_after_the_gap() {
    let pristine = Pristine::build();
    // Versions 45..=50 of lead-0 move up by one: version 45 is gone, 46..=51 follow 44.
    let first_moved = LEAD_0_VERSION_41 + 4;
    let copy = pristine.tampered(|conn| {
        // In two steps: SQLite checks the unique (stream, version) index row by row.
        for shift in ["version + 1000", "version - 999"] {
            let sql =
                format!("UPDATE events SET version = {shift} WHERE position BETWEEN ?1 AND ?2");
            let moved = conn.execute(&sql, [sql_int(first_moved), sql_int(LEAD_0_VERSION_41 + 9)]);
            assert_eq!(moved.unwrap(), 6);
        }
    });
    copy.rechain_from(first_moved);

    let stream = stream("lead", 0).to_string();
    let expected =
        Tamper::StreamVersion { position: first_moved, stream, version: 46, expected_version: 45 };
    check_first_problem(&copy.verify(), expected);
}

#[test]
fn two_versions_of_a_stream_swapped_under_a_recomputed_chain_are_named_at_the_earlier_one() {
    let pristine = Pristine::build();
    let (earlier, later) = (LEAD_0_VERSION_41 + 2, LEAD_0_VERSION_41 + 3);
    let copy = pristine.tampered(|conn| {
        // Through a free version: SQLite checks the unique (stream, version) index row by row.
        for (position, version) in [(earlier, 1_000), (later, 43), (earlier, 44)] {
            let sql = "UPDATE events SET version = ?1 WHERE position = ?2";
            assert_eq!(conn.execute(sql, [version, sql_int(position)]).unwrap(), 1);
        }
    });
    copy.rechain_from(earlier);

    let stream = stream("lead", 0).to_string();
    let expected =
        Tamper::StreamVersion { position: earlier, stream, version: 44, expected_version: 43 };
    check_first_problem(&copy.verify(), expected);
}

#[test]
fn an_event_moved_to_another_stream_under_a_recomputed_chain_leaves_its_stream_without_version_1() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        let elsewhere = stream("lead", 77).id.into_bytes();
        let sql = "UPDATE events SET stream_id = ?1 WHERE position = 1";
        assert_eq!(conn.execute(sql, params![elsewhere]).unwrap(), 1);
    });
    copy.rechain_from(1);

    let stream = stream("lead", 0).to_string();
    let expected = Tamper::StreamVersion { position: 2, stream, version: 2, expected_version: 1 };
    check_first_problem(&copy.verify(), expected);
}

#[test]
fn a_version_gap_after_a_broken_link_is_not_reported_before_it() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        let sql = "UPDATE events SET version = version + 100 WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(LAST)]).unwrap(), 1);
        let sql = "UPDATE events SET actor = 'mallory' WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(MIDDLE)]).unwrap(), 1);
    });
    check_first_problem(&copy.verify(), Tamper::HashMismatch { position: MIDDLE });
}

#[test]
fn the_callers_check_sees_every_verified_row_once_in_position_order() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|_| {});
    let mut seen = Vec::new();
    let report = copy
        .store
        .verify_checking(None, &mut |event| {
            seen.push(event.position.0);
            Ok(())
        })
        .unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(seen, (1..=LAST).collect::<Vec<_>>());
}

#[test]
fn a_row_the_callers_check_refuses_is_undecodable_there_and_the_walk_stops() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|_| {});
    for refused in [FIRST, MIDDLE, LAST] {
        let mut last_seen = 0;
        let report = copy
            .store
            .verify_checking(None, &mut |event| {
                last_seen = event.position.0;
                if event.position.0 == refused { Err("not a known event".into()) } else { Ok(()) }
            })
            .unwrap();
        let expected =
            Tamper::Undecodable { position: refused, reason: "not a known event".into() };
        check_first_problem(&report, expected);
        assert_eq!(last_seen, refused, "nothing after the refused row is handed to the check");
    }
}

#[test]
fn the_callers_check_sees_no_row_whose_hash_does_not_match() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        let sql = "UPDATE events SET payload = x'00' WHERE position = ?1";
        assert_eq!(conn.execute(sql, [sql_int(MIDDLE)]).unwrap(), 1);
    });
    let mut last_seen = 0;
    let report = copy
        .store
        .verify_checking(None, &mut |event| {
            last_seen = event.position.0;
            Ok(())
        })
        .unwrap();
    check_first_problem(&report, Tamper::HashMismatch { position: MIDDLE });
    assert_eq!(last_seen, MIDDLE - 1);
}
