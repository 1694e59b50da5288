#!/usr/bin/env python3
"""The floor of writing a rebuild's rows through SQL: what SQLite's statement program and B-tree
inserts cost for the rows a finished rebuild holds, with no log read, no model run and no value
bound from Rust. BENCHMARKS.md, "What the 10 s would take".

    python3 benches/scripts/insert_floor.py READ_MODEL_FILE WORK_DIR [CACHE_MIB]

READ_MODEL_FILE is a finished rebuild's file (`ltc rebuild --data D` leaves it in
D/read-models/gen-*.db). Writes three SQL scripts into WORK_DIR and prints how to time them:

- `copy.sql`: every table created empty in a new file, then filled by
  `INSERT INTO t SELECT * FROM src.t WHERE 1`, in key order (the source's), with a rebuild's
  pragmas (no journal, exclusive lock, CACHE_MIB of page cache: 8, as a rebuild's writer has). `WHERE 1` keeps SQLite from copying whole
  pages (its transfer optimisation), so every row is decoded, re-encoded and inserted, as a
  rebuild's rows are;
- `indexes.sql`: the query indexes, built after, as a rebuild builds them;
- `scan.sql`: the source rows read alone, every column's length taken, to subtract the reading
  side from `copy.sql`'s time. Taking lengths costs more than the copy's reading does, so the
  difference is a lower bound of the writing.
"""

import pathlib
import shlex
import sqlite3
import sys


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    source, work = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    cache_mib = int(sys.argv[3]) if len(sys.argv) == 4 else 8
    work.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'table' AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    indexes = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()

    copy = [
        "PRAGMA journal_mode = OFF;",
        "PRAGMA synchronous = OFF;",
        "PRAGMA locking_mode = EXCLUSIVE;",
        f"PRAGMA cache_size = -{cache_mib * 1024};",
        "ATTACH '{}' AS src;".format(str(source).replace("'", "''")),
        "BEGIN;",
    ]
    copy += [f"{sql};" for _, sql in tables]
    copy += [f'INSERT INTO main."{name}" SELECT * FROM src."{name}" WHERE 1;' for name, _ in tables]
    copy.append("COMMIT;")

    scan = [f"PRAGMA cache_size = -{cache_mib * 1024};"]
    for name, _ in tables:
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
        lengths = " + ".join(f'coalesce(length("{column}"), 0)' for column in columns)
        scan.append(f'SELECT total({lengths}) FROM "{name}";')

    (work / "copy.sql").write_text("\n".join(copy) + "\n")
    (work / "indexes.sql").write_text("\n".join(f"{sql};" for (sql,) in indexes) + "\n")
    (work / "scan.sql").write_text("\n".join(scan) + "\n")
    print(f"{len(tables)} tables, {len(indexes)} indexes; then, timed:")
    floor, q = work / "floor.db", shlex.quote
    print(f"  rm -f {q(str(floor))}")
    print(f"  /usr/bin/time sqlite3 {q(str(floor))} < {q(str(work / 'copy.sql'))}")
    print(f"  /usr/bin/time sqlite3 {q(str(floor))} < {q(str(work / 'indexes.sql'))}")
    print(f"  /usr/bin/time sqlite3 {q(str(source))} < {q(str(work / 'scan.sql'))} > /dev/null")


if __name__ == "__main__":
    main()
