#!/usr/bin/env python3
"""The floor under a rebuild's writes: how long SQLite takes to write the rows a finished rebuild
holds, once each, in the order a rebuild meets them, with nothing else to do (no log to read, no
model to run, no row written twice). BENCHMARKS.md, "The floor under a 5M rebuild's writes".

    python3 benches/write_floor.py READ_MODEL_FILE WORK_DIR [event|key]

READ_MODEL_FILE is a finished rebuild's file (`ltc rebuild --data D` leaves it in
D/read-models/gen-*.db). The rows are first staged, untimed, into two files, one per rebuild
group (`projections/src/rebuild_groups.rs`: forecast, funnel, reps and stalled in the
second, copied into the first at the end), each table's rows in the order to be written:

- `event`: a rowid table in rowid order, which is the order its rows were inserted in; a table
  keyed by an id (the others: WITHOUT ROWID, keyed by the entity's UUID as text, or by an
  integer key handed out in log order, which is then its order) with each entity's rows
  together and the entities in the order of their ids' last 12 hex digits, which
  for random (v4) ids is as good as the random order in which a log creates them. A rebuild
  writes an entity's rows at different times, which is slower still, so this is a floor.
- `key`: every table in key order, what ids that sort by time (UUIDv7) would give.

Then, timed, as a rebuild does it: both groups write their tables at once (one `sqlite3` each,
with the rebuild's pragmas and page cache), the first sorts its query indexes, then merges the
second group's file into its own and builds that group's indexes. Prints each phase's wall time
and the slowest tables.
"""

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

# The rebuild's own settings (projections/src/checkpoint.rs, query_indexes.rs).
REBUILD_PRAGMAS = (
    "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
    "PRAGMA cache_size=-40960; PRAGMA temp_store=MEMORY;"
)
SORT_CACHE = "PRAGMA cache_size=-4096;"
SECOND_GROUP = ("forecast", "funnel", "reps", "stalled")
# Each model's `Projection::query_indexes`: built after the rows, not maintained while applying.
QUERY_INDEXES = {
    "c360_documents_by_customer", "c360_leads_by_customer", "c360_opportunities_by_customer",
    "c360_orders_by_customer", "c360_quotes_by_customer", "c360_receivables_by_customer",
    "c360_timeline_by_customer", "collections_receivables_by_invoiced_on",
    "collections_documents_by_receivable", "funnel_leads_by_opportunity",
    "funnel_quotes_by_opportunity", "reps_opportunities_by_won_on", "reps_activities_by_day",
    "stalled_activities_by_opportunity",
}


def key_is_integer(info, column):
    return any(row[1] == column and row[2].upper() == "INTEGER" for row in info)


def group_of(table):
    return 1 if table.split("_")[0] in SECOND_GROUP else 0


def plan(source, order):
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'projection_checkpoints'"
        )
    ]
    groups = {0: [], 1: []}
    for table in tables:
        sql = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).fetchone()[0]
        info = list(conn.execute(f"PRAGMA table_info({table})"))
        key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5] > 0]
        if "WITHOUT ROWID" not in sql.upper():
            sort = "rowid"
        elif order == "key":
            sort = ", ".join(key)
        elif key_is_integer(info, key[0]):
            sort = ", ".join(key)
        else:
            sort = f"substr({key[0]}, 25, 12), " + ", ".join(key)
        indexes = list(
            conn.execute(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            )
        )
        groups[group_of(table)].append((table, sql, sort, indexes))
    return groups


def sqlite(db, script):
    started = time.monotonic()
    out = subprocess.run(
        ["sqlite3", str(db)], input=script, text=True, capture_output=True, check=True
    ).stdout
    return time.monotonic() - started, out


def timers(out):
    return [float(line.split()[3]) for line in out.splitlines() if line.startswith("Run Time")]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    source, work = Path(sys.argv[1]), Path(sys.argv[2])
    order = sys.argv[3] if len(sys.argv) > 3 else "event"
    work.mkdir(parents=True, exist_ok=True)
    groups = plan(source, order)
    staged = {g: work / f"staged-{order}-{g}.db" for g in groups}
    built = {g: work / f"group-{g}.db" for g in groups}
    for path in [*staged.values(), *built.values()]:
        path.unlink(missing_ok=True)

    for g, tables in groups.items():
        script = f"ATTACH '{source}' AS src; PRAGMA main.journal_mode=OFF; PRAGMA main.synchronous=OFF;\n"
        script += "".join(
            f"CREATE TABLE {t} AS SELECT * FROM src.{t} ORDER BY {sort};\n"
            for t, _, sort, _ in tables
        )
        sqlite(staged[g], script)
    print(f"staged in {order} order (untimed)")

    for g, tables in groups.items():
        script = REBUILD_PRAGMAS + "\n"
        script += "".join(
            f"{sql};\n" + "".join(f"{isql};\n" for name, isql in indexes if name not in QUERY_INDEXES)
            for _, sql, _, indexes in tables
        )
        script += f"ATTACH '{staged[g]}' AS staged; PRAGMA staged.cache_size=-2048;\n.timer on\nBEGIN;\n"
        script += "".join(f"INSERT INTO main.{t} SELECT * FROM staged.{t};\n" for t, *_ in tables)
        script += "COMMIT;\n"
        (work / f"write-{g}.sql").write_text(script)
    started = time.monotonic()
    # Both started before either is waited for: the groups write at once, a core each.
    procs = {
        g: subprocess.Popen(
            ["sqlite3", str(built[g])],
            stdin=open(work / f"write-{g}.sql"),
            stdout=subprocess.PIPE,
            text=True,
        )
        for g in groups
    }
    outs = {g: proc.communicate()[0] for g, proc in procs.items()}
    applied = time.monotonic() - started

    sort_first = SORT_CACHE + "\n.timer on\n" + "".join(
        f"{isql};\n" for _, _, _, indexes in groups[0] for name, isql in indexes if name in QUERY_INDEXES
    )
    sorted_first, _ = sqlite(built[0], sort_first)

    merge = REBUILD_PRAGMAS + f"\nATTACH '{built[1]}' AS second; PRAGMA second.cache_size=-2048;\nBEGIN;\n"
    merge += "".join(f"{sql};\nINSERT INTO main.{t} SELECT * FROM second.{t};\n" for t, sql, _, _ in groups[1])
    merge += "COMMIT;\n" + "".join(f"{isql};\n" for _, _, _, indexes in groups[1] for _, isql in indexes)
    merged, _ = sqlite(built[0], merge)

    print(f"both groups write their rows at once: {applied:.1f} s")
    for g, tables in groups.items():
        every = timers(outs[g])
        inserts = every[-(len(tables) + 1) : -1]
        print(f"  group {g}: {sum(inserts):.1f} s of inserts; slowest:", ", ".join(
            f"{t} {s:.2f} s" for s, t in sorted(zip(inserts, [t for t, *_ in tables]), reverse=True)[:4]
        ))
    print(f"the first group's query indexes: {sorted_first:.1f} s")
    print(f"the second group merged, its indexes built: {merged:.1f} s")
    print(f"total: {applied + sorted_first + merged:.1f} s")


if __name__ == "__main__":
    main()
