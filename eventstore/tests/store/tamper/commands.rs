//! Tampering with what answers retries and with the log's end: command records rewritten,
//! shrunk or deleted, events cut from the end, and values no envelope can hold.

use super::*;

#[test]
fn events_cut_from_the_end_leave_a_command_record_that_no_longer_matches() {
    let pristine = Pristine::build();
    for n_removed in [1, EVENTS_PER_APPEND, 3 * EVENTS_PER_APPEND] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position > ?1", [sql_int(LAST - n_removed)])
                .unwrap();
        });
        // The first command that lost events now has a record pointing past the end of the log.
        let head_position = LAST - n_removed;
        let first_cut_command = head_position / EVENTS_PER_APPEND * EVENTS_PER_APPEND + 1;
        let expected = Tamper::CommandRecordAltered { position: first_cut_command };
        check_command_record_problem(&copy.verify(), head_position, expected);
    }
}

#[test]
fn whole_commands_cut_from_the_end_pass_a_plain_verify_but_are_truncated_against_an_anchor() {
    let pristine = Pristine::build();
    let anchor = pristine.anchor_at(LAST);
    for n_commands_removed in [1, 3, APPENDS] {
        let head_position = LAST - n_commands_removed * EVENTS_PER_APPEND;
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position > ?1", [sql_int(head_position)])
                .unwrap();
            conn.execute(
                "DELETE FROM commands WHERE first_position > ?1",
                [sql_int(head_position)],
            )
            .unwrap();
        });

        let plain = copy.verify();
        assert!(
            plain.is_intact(),
            "without an anchor a cleanly shortened log looks whole: {plain:?}"
        );
        assert_eq!(plain.events_checked, head_position);
        let expected = Tamper::Truncated { anchor_position: LAST, head_position };
        check_first_problem(&copy.verify_against(anchor), expected);
    }
}

#[test]
fn a_rewritten_command_record_is_found_even_though_the_events_are_intact() {
    let pristine = Pristine::build();
    for (column, value) in
        [("last_position", "last_position + 1"), ("first_version", "99"), ("recorded_at_us", "0")]
    {
        let copy = pristine.tampered(|conn| {
            let sql = format!("UPDATE commands SET {column} = {value} WHERE first_position = ?1");
            assert_eq!(conn.execute(&sql, [sql_int(MIDDLE + 1)]).unwrap(), 1);
        });
        check_command_record_problem(
            &copy.verify(),
            LAST,
            Tamper::CommandRecordAltered { position: MIDDLE + 1 },
        );
    }
}

#[test]
fn a_command_record_shrunk_or_moved_within_its_events_is_found_at_its_real_first_event() {
    let pristine = Pristine::build();
    let command_start = MIDDLE + 1;
    let edits = [
        "UPDATE commands SET last_position = last_position - 1, last_version = last_version - 1",
        "UPDATE commands SET first_position = first_position + 1, first_version = first_version + 1",
        "UPDATE commands SET first_position = first_position + 2, first_version = first_version + 2, \
         last_position = last_position - 2, last_version = last_version - 2",
    ];
    for edit in edits {
        let copy = pristine.tampered(|conn| {
            let sql = format!("{edit} WHERE first_position = ?1");
            assert_eq!(conn.execute(&sql, [sql_int(command_start)]).unwrap(), 1, "{edit}");
        });
        check_command_record_problem(
            &copy.verify(),
            LAST,
            Tamper::CommandRecordAltered { position: command_start },
        );
    }
}

#[test]
fn read_all_reports_a_deleted_row_as_corruption_instead_of_skipping_it() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position = ?1", [sql_int(position)]).unwrap();
        });
        let read: Vec<_> = copy.store.read_all(ltc_eventstore::Position::START, u64::MAX).collect();
        let delivered = read.iter().take_while(|event| event.is_ok()).count() as u64;
        assert_eq!(delivered, position - 1, "every row before the hole is delivered");
        assert!(
            matches!(read.last(), Some(Err(ltc_eventstore::ReadError::Corrupt { position: at, .. })) if *at == position),
            "{:?}",
            read.last()
        );
    }
}

#[test]
fn filtered_and_correlated_reads_report_a_deleted_row_they_would_pass_over() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position = ?1", [sql_int(position)]).unwrap();
        });
        let is_the_hole = |result: Option<Result<_, ltc_eventstore::ReadError>>| matches!(result, Some(Err(ltc_eventstore::ReadError::Corrupt { position: at, .. })) if at == position);
        // A filter that selects nothing still must not pass over the hole in silence.
        let nothing = ltc_eventstore::HeaderFilter::Any(vec![]);
        let head = ltc_eventstore::Position(LAST);
        let mut filtered =
            copy.store.read_filtered(ltc_eventstore::Position::START, head, &nothing);
        assert!(
            is_the_hole(filtered.next().map(|read| read.map(|_| ()))),
            "filtered, hole at {position}"
        );
        let correlated = copy.store.read_correlated(uuid::Uuid::nil(), 10);
        assert!(is_the_hole(Some(correlated.map(|_| ()))), "correlated, hole at {position}");
    }
}

#[test]
fn a_filtered_read_from_mid_log_reports_a_hole_in_its_range_and_ignores_one_before_it() {
    let pristine = Pristine::build();
    let nothing = ltc_eventstore::HeaderFilter::Any(vec![]);
    let (from, to) = (ltc_eventstore::Position(MIDDLE - 2), ltc_eventstore::Position(LAST));
    for (deleted, reported) in [(MIDDLE, true), (LAST - 1, true), (FIRST, false)] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position = ?1", [sql_int(deleted)]).unwrap();
        });
        let read = copy.store.read_filtered(from, to, &nothing).next();
        if reported {
            assert!(
                matches!(read, Some(Err(ltc_eventstore::ReadError::Corrupt { position, .. })) if position == deleted),
                "hole at {deleted}: {read:?}"
            );
        } else {
            assert!(read.is_none(), "a hole before the range is not this read's: {read:?}");
        }
    }
}

#[test]
fn an_out_of_range_recorded_time_on_the_last_row_is_a_typed_error_for_appends_not_a_panic() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        conn.execute(
            "UPDATE events SET recorded_at_us = ?1 WHERE position = ?2",
            [i64::MAX, sql_int(LAST)],
        )
        .unwrap();
    });
    for command in [1_000, 1_001] {
        let request = append(&stream("lead", 99), ExpectedVersion::Any, command, 1);
        let error = copy.store.append_blocking(request).unwrap_err();
        assert!(matches!(error, ltc_eventstore::AppendError::Storage(_)), "{error:?}");
    }
    assert!(matches!(copy.verify().first_problem, Some(Tamper::Unreadable { position: LAST, .. })));
}

#[test]
fn a_deleted_command_record_is_found_at_its_first_event() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        assert_eq!(
            conn.execute("DELETE FROM commands WHERE first_position = ?1", [sql_int(MIDDLE + 1)])
                .unwrap(),
            1
        );
    });
    check_command_record_problem(
        &copy.verify(),
        LAST,
        Tamper::CommandRecordMissing { position: MIDDLE + 1 },
    );
}
