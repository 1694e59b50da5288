//! A checksum of a rebuilt read-model database that does not depend on how copies of a tiled log
//! interleave: per table, its rows and the sum of each `*_minor` (money) column. Printed beside
//! every rebuild's timing, so a faster rebuild that changed what the read models hold shows.

use std::collections::BTreeMap;

use rusqlite::Connection;

/// Per table: rows, and the sum of each money column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadModelChecksum {
    pub tables: BTreeMap<String, TableChecksum>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableChecksum {
    pub rows: i64,
    /// Σ over every column whose name ends in `_minor`, by column.
    pub money_sums: BTreeMap<String, i64>,
}

impl ReadModelChecksum {
    pub fn of(conn: &Connection) -> rusqlite::Result<ReadModelChecksum> {
        let mut names = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'projection_checkpoints' ORDER BY name",
        )?;
        let names: Vec<String> =
            names.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        let mut tables = BTreeMap::new();
        for table in names {
            let quoted = format!("\"{}\"", table.replace('"', "\"\""));
            let mut columns =
                conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
            let money: Vec<String> = columns
                .query_map([], |row| row.get::<_, String>(0))?
                .filter(|name| name.as_ref().map_or(true, |name| name.ends_with("_minor")))
                .collect::<Result<_, _>>()?;
            let mut select = String::from("SELECT count(*)");
            for column in &money {
                select.push_str(&format!(", coalesce(sum(\"{column}\"), 0)"));
            }
            select.push_str(&format!(" FROM {quoted}"));
            let checksum = conn.query_row(&select, [], |row| {
                let mut money_sums = BTreeMap::new();
                for (idx, column) in money.iter().enumerate() {
                    money_sums.insert(column.clone(), row.get::<_, i64>(idx + 1)?);
                }
                Ok(TableChecksum { rows: row.get(0)?, money_sums })
            })?;
            tables.insert(table, checksum);
        }
        Ok(ReadModelChecksum { tables })
    }

    /// Σ rows over every table.
    pub fn rows(&self) -> i64 {
        self.tables.values().map(|table| table.rows).sum()
    }

    /// One line: rows in all, and a hash of every figure, to compare runs at a glance.
    pub fn summary(&self) -> String {
        let mut hash = 0u64;
        for (table, checksum) in &self.tables {
            hash = crate::mix64(hash ^ text_hash(table) ^ checksum.rows as u64);
            for (column, sum) in &checksum.money_sums {
                hash = crate::mix64(hash ^ text_hash(column) ^ *sum as u64);
            }
        }
        format!("{} tables, {} rows, figures hash {hash:016x}", self.tables.len(), self.rows())
    }
}

fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
