//! A row's identity, and the ids derived from it (UUIDv5), which make a re-run idempotent.
//!
//! A row with a `key` (the record's id in the system it comes from) is that key: a re-run
//! finds the record under it whatever else changed, and an opportunity names the customer
//! imported under key `K` with `customer_key = K`. A row without one is the values it holds:
//! the same values in any column order, under any headers, are the same record; a row whose
//! bad cell was fixed is a new record and goes in on the re-run.
//!
//! Both ids hang off the identity: the aggregate's id, and the command id the store answers a
//! retry by. So a record imported once is "already imported" on every later run, from this
//! file or another, by whoever runs it.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::ImportKind;
use super::rows::Row;

/// The namespace of every id an import derives. Changing it would import every file again.
const IMPORT_NAMESPACE: Uuid = Uuid::from_u128(0x6c74_6369_6d70_4f72_a000_0000_0000_0001);

/// Who a row is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity(String);

impl Identity {
    pub fn of(kind: ImportKind, row: &Row) -> Identity {
        match row.get("key") {
            Some(key) => Identity::keyed(kind, key),
            None => {
                let values: BTreeMap<&str, &str> =
                    row.values.iter().map(|(field, value)| (*field, value.as_str())).collect();
                let canonical = serde_json::to_string(&values).expect("strings serialise");
                Identity(format!("{}/values/{canonical}", kind.plural()))
            }
        }
    }

    pub fn keyed(kind: ImportKind, key: &str) -> Identity {
        Identity(format!("{}/key/{key}", kind.plural()))
    }

    /// The id of the aggregate the row creates.
    pub fn aggregate_id(&self) -> Uuid {
        Uuid::new_v5(&IMPORT_NAMESPACE, format!("aggregate:{}", self.0).as_bytes())
    }

    /// The command id the row is sent under.
    pub fn command_id(&self) -> Uuid {
        Uuid::new_v5(&IMPORT_NAMESPACE, format!("command:{}", self.0).as_bytes())
    }
}

/// The correlation id of one file's rows: every command of an import of these bytes.
pub fn file_correlation_id(bytes: &[u8]) -> Uuid {
    Uuid::new_v5(&IMPORT_NAMESPACE, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[(&'static str, &str)]) -> Row {
        Row { line: 2, values: values.iter().map(|(f, v)| (*f, (*v).to_owned())).collect() }
    }

    #[test]
    fn a_row_is_its_key_if_it_has_one_else_its_values() {
        let ada = row(&[("name", "Ada"), ("email", "ada@example.com")]);
        let same = Row { line: 9, ..ada.clone() };
        assert_eq!(Identity::of(ImportKind::Leads, &ada), Identity::of(ImportKind::Leads, &same));
        let fixed = row(&[("name", "Ada"), ("email", "ada@example.org")]);
        assert_ne!(
            Identity::of(ImportKind::Leads, &ada).command_id(),
            Identity::of(ImportKind::Leads, &fixed).command_id()
        );
        let keyed = row(&[("key", "C-1"), ("name", "Acme")]);
        let renamed = row(&[("key", "C-1"), ("name", "Acme Ltd")]);
        let customer = Identity::of(ImportKind::Customers, &keyed);
        assert_eq!(customer, Identity::of(ImportKind::Customers, &renamed));
        assert_eq!(
            customer.aggregate_id(),
            Identity::keyed(ImportKind::Customers, "C-1").aggregate_id()
        );
        assert_ne!(
            customer.aggregate_id(),
            Identity::keyed(ImportKind::Leads, "C-1").aggregate_id()
        );
        assert_ne!(customer.aggregate_id(), customer.command_id());
    }
}
