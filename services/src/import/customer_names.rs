//! Customers by name, read from the log once per import, for opportunity rows that name their
//! customer in words.

use std::collections::BTreeMap;

use ltc_domain::customer::CustomerEvent;
use ltc_domain::ids::CustomerId;
use ltc_eventstore::{EventStore, Position};

use super::report::RowError;
use ltc_projections::{DecodeError, decode_event};

#[derive(Debug, Default)]
pub struct CustomerNames {
    by_name: BTreeMap<String, Vec<CustomerId>>,
}

impl CustomerNames {
    /// Every customer created in `store`'s log.
    pub fn load(store: &EventStore) -> Result<CustomerNames, LoadError> {
        let mut names = CustomerNames::default();
        for recorded in store.read_all(Position::START, u64::MAX) {
            let recorded = recorded?;
            if recorded.stream.kind.as_str() != "customer"
                || recorded.event_type != "CustomerCreated"
            {
                continue;
            }
            if let CustomerEvent::Created { customer_id, profile, .. } = decode_event(&recorded)? {
                names.by_name.entry(key(&profile.name)).or_default().push(customer_id);
            }
        }
        Ok(names)
    }

    pub fn by_name(&self, name: &str) -> Result<CustomerId, RowError> {
        match self.by_name.get(&key(name)).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) if !many.is_empty() => Err(RowError::new(
                "ambiguous_customer",
                format!(
                    "{} customers are called {name:?}: name one by customer_id ({})",
                    many.len(),
                    many.iter().map(|id| id.0.to_string()).collect::<Vec<_>>().join(", ")
                ),
            )),
            _ => Err(RowError::new("unknown_customer", format!("no customer is called {name:?}"))),
        }
    }
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading the log: {0}")]
    Read(#[from] ltc_eventstore::ReadError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}
