//! Tampering with event rows: edited, unreadable, deleted, swapped, forged and rewritten rows,
//! and anchors.

use super::*;

#[test]
fn an_intact_store_verifies_every_event_up_to_its_head() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|_| {});

    let report = copy.verify();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, N_EVENTS);
    assert_eq!(report.verified_head, copy.store.head());
    let anchor = format!("{LAST}:{}", pristine.hash_at(LAST)).parse::<Anchor>().unwrap();
    assert!(copy.verify_against(anchor).is_intact());
}

#[test]
fn a_flipped_payload_byte_is_a_hash_mismatch_at_its_position() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST] {
        let copy = pristine.tampered(|conn| {
            let mut payload: Vec<u8> = conn
                .query_row(
                    "SELECT payload FROM events WHERE position = ?1",
                    [sql_int(position)],
                    |row| row.get(0),
                )
                .unwrap();
            payload[0] ^= 0x01;
            let sql = "UPDATE events SET payload = ?1 WHERE position = ?2";
            assert_eq!(conn.execute(sql, params![payload, sql_int(position)]).unwrap(), 1);
        });
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position });
    }
}

#[test]
fn any_single_column_rewritten_without_rehashing_is_a_hash_mismatch_at_its_row() {
    let pristine = Pristine::build();
    let fresh_uuid = "x'0190aaaabbbb7000800000000000cafe'";
    let causation = format!("CASE WHEN causation_id IS NULL THEN {fresh_uuid} ELSE NULL END");
    let rewrites = [
        ("event_id", fresh_uuid),
        ("stream_kind", "stream_kind || 'x'"),
        ("stream_id", fresh_uuid),
        ("version", "version + 1000"),
        ("event_type", "event_type || 'Again'"),
        ("schema_version", "schema_version + 1"),
        ("occurred_at_us", "occurred_at_us + 1"),
        ("recorded_at_us", "recorded_at_us - 1"),
        ("command_id", fresh_uuid),
        ("correlation_id", fresh_uuid),
        ("causation_id", causation.as_str()),
        ("actor", "'mallory'"),
        ("tenant", "tenant || 'x'"),
        ("codec", "codec + 1"),
        ("payload", "CAST(payload || x'00' AS BLOB)"),
        ("hash", "zeroblob(32)"),
    ];
    for position in [MIDDLE, MIDDLE + 1] {
        for (column, value) in rewrites {
            let copy = pristine.tampered(|conn| {
                let sql = format!("UPDATE events SET {column} = {value} WHERE position = ?1");
                assert_eq!(conn.execute(&sql, [sql_int(position)]).unwrap(), 1);
            });
            let report = copy.verify();
            assert_eq!(report.first_problem, Some(Tamper::HashMismatch { position }), "{column}");
            assert_eq!(report.events_checked, position - 1, "{column}");
        }
    }
}

#[test]
fn a_row_that_cannot_be_read_as_an_envelope_is_unreadable_at_its_position() {
    let pristine = Pristine::build();
    let damages = [
        "UPDATE events SET event_id = x'00' WHERE position = ?1",
        "UPDATE events SET payload = 'text, not bytes' WHERE position = ?1",
        "UPDATE events SET schema_version = -1 WHERE position = ?1",
        "UPDATE events SET occurred_at_us = 'yesterday' WHERE position = ?1",
    ];
    for damage in damages {
        for position in [FIRST, MIDDLE, LAST] {
            let copy = pristine.tampered(|conn| {
                conn.execute(damage, [sql_int(position)]).unwrap();
            });
            let report = copy.verify();
            assert!(
                matches!(report.first_problem, Some(Tamper::Unreadable { position: at, .. }) if at == position),
                "{damage} at {position}: {report:?}"
            );
            assert_eq!(report.events_checked, position - 1, "{damage} at {position}");
        }
    }
}

#[test]
fn a_deleted_row_is_missing_at_its_position_and_names_the_next_row_found() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position = ?1", [sql_int(position)]).unwrap();
        });
        check_first_problem(&copy.verify(), Tamper::Missing { position, next_found: position + 1 });
    }
    let copy = pristine.tampered(|conn| {
        let sql = "DELETE FROM events WHERE position BETWEEN ?1 AND ?2";
        conn.execute(sql, [sql_int(MIDDLE), sql_int(MIDDLE + 10)]).unwrap();
    });
    check_first_problem(
        &copy.verify(),
        Tamper::Missing { position: MIDDLE, next_found: MIDDLE + 11 },
    );
}

#[test]
fn two_swapped_rows_are_a_hash_mismatch_at_the_earlier_position() {
    let pristine = Pristine::build();
    let pairs =
        [(FIRST, FIRST + 1), (FIRST, LAST), (MIDDLE, MIDDLE + 1), (MIDDLE, 200), (LAST - 1, LAST)];
    for (p, q) in pairs {
        let copy = pristine.tampered(|conn| {
            let sql = format!(
                "CREATE TEMP TABLE moved AS SELECT * FROM events WHERE position IN (?1, ?2);
                 DELETE FROM events WHERE position IN (?1, ?2);
                 INSERT INTO events (position, {CONTENT_COLUMNS})
                     SELECT CASE position WHEN ?1 THEN ?2 ELSE ?1 END, {CONTENT_COLUMNS} FROM moved;
                 DROP TABLE moved;"
            )
            .replace("?1", &p.to_string())
            .replace("?2", &q.to_string());
            conn.execute_batch(&sql).unwrap();
        });
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position: p });
    }
}

#[test]
fn a_forged_row_after_the_head_is_a_hash_mismatch_at_the_head_plus_one() {
    let pristine = Pristine::build();
    for forged_hash in [[7u8; 32], pristine.hash_at(LAST).0] {
        let copy = pristine.tampered(|conn| {
            let sql = "INSERT INTO events SELECT position + 1, ?1, stream_kind, stream_id, \
                version + 1, event_type, schema_version, occurred_at_us, recorded_at_us, \
                ?2, correlation_id, causation_id, actor, tenant, codec, x'0102', ?3 \
                FROM events WHERE position = ?4";
            let event_id = Uuid::from_u128(0xf0f0).into_bytes();
            let command_id = Uuid::from_u128(0xf1f1).into_bytes();
            let inserted =
                conn.execute(sql, params![event_id, command_id, forged_hash, sql_int(LAST)]);
            assert_eq!(inserted.unwrap(), 1);
        });
        assert_eq!(
            copy.store.head().position,
            LAST + 1,
            "the store took the forged row as its head"
        );
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position: LAST + 1 });
    }
}

#[test]
fn a_row_rewritten_with_its_own_hash_recomputed_breaks_the_link_at_the_next_row() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let twin = Pristine::build_forging(Some((position, b"forged")));
        let copy = pristine.tampered(|conn| copy_rows_from(conn, &twin, position..=position));
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position: position + 1 });
    }

    // The last row has no successor to break: only an anchor at it notices.
    let twin = Pristine::build_forging(Some((LAST, b"forged")));
    let copy = pristine.tampered(|conn| copy_rows_from(conn, &twin, LAST..=LAST));
    assert!(copy.verify().is_intact());
    let anchored = copy.verify_against(pristine.anchor_at(LAST));
    check_first_problem(&anchored, Tamper::AnchorMismatch { position: LAST });
}

#[test]
fn a_chain_rewritten_from_a_row_on_is_caught_by_any_anchor_at_or_after_that_row() {
    let pristine = Pristine::build();
    let twin = Pristine::build_forging(Some((MIDDLE, b"forged")));
    let copy = pristine.tampered(|conn| copy_rows_from(conn, &twin, MIDDLE..=LAST));

    let plain = copy.verify();
    assert!(plain.is_intact(), "a consistent rewrite links up: {plain:?}");
    assert_eq!(plain.events_checked, N_EVENTS);
    for position in [MIDDLE, 200, LAST] {
        let anchored = copy.verify_against(pristine.anchor_at(position));
        check_first_problem(&anchored, Tamper::AnchorMismatch { position });
    }
    assert!(copy.verify_against(pristine.anchor_at(MIDDLE - 1)).is_intact());
}

#[test]
fn an_anchor_with_a_wrong_hash_is_an_anchor_mismatch_at_its_position() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|_| {});
    for position in [FIRST, MIDDLE, LAST] {
        let wrong = Anchor { position, hash: ChainHash([9; 32]) };
        check_first_problem(&copy.verify_against(wrong), Tamper::AnchorMismatch { position });
        let neighbour = if position == FIRST { FIRST + 1 } else { position - 1 };
        let neighbours = Anchor { position, hash: pristine.hash_at(neighbour) };
        check_first_problem(&copy.verify_against(neighbours), Tamper::AnchorMismatch { position });
        assert!(copy.verify_against(pristine.anchor_at(position)).is_intact());
    }
}
