//! The timeline's short keys (`models::short_keys`). A timeline line is customer360's most
//! numerous row (one per event) and its by-customer index a rebuild's largest, so a line names its
//! customer by an integer key (`c360_customer_keys`) and who did which kind of thing by one code
//! (`c360_timeline_kinds`) rather than by 36 bytes of UUID text and three words. The view
//! `c360_timeline` spells both out.

use foldhash::HashMap;

use rusqlite::Transaction;
use uuid::Uuid;

use crate::ProjectionError;
use crate::models::short_keys::{KnownKeys, stored_key_or_new};

#[derive(Debug, Default)]
pub(super) struct TimelineKeys {
    /// By customer id: 24 bytes an entry, where the id's text would add an allocation of 48
    /// (a 5M-event rebuild remembers ≈ 35k customers, within its 200 MB).
    customers: KnownKeys<Uuid>,
    /// By event type, then (actor, stream kind): an event type nearly always belongs to one
    /// stream kind and a handful of actors, so the inner list stays short. Remembered as long
    /// as the customers are.
    kinds: HashMap<Box<str>, Vec<SeenKind>>,
}

/// A kind's code, found under its event type.
#[derive(Debug)]
struct SeenKind {
    actor: &'static str,
    stream_kind: Box<str>,
    kind: i64,
}

impl TimelineKeys {
    /// The customer's key, handed out now if the customer has none yet.
    pub fn customer(
        &mut self,
        tx: &Transaction<'_>,
        customer_id: &str,
    ) -> Result<i64, ProjectionError> {
        // Every id the tables hold is a UUID's text; one that is not is looked up every time.
        let id = Uuid::parse_str(customer_id).ok();
        if let Some(key) = id.and_then(|id| self.customers.get(&id)) {
            return Ok(key);
        }
        let key = stored_key_or_new(
            tx,
            "SELECT customer_key FROM c360_customer_keys WHERE customer_id = ?1",
            "INSERT INTO c360_customer_keys (customer_id) VALUES (?1) RETURNING customer_key",
            [customer_id],
        )?;
        if let Some(id) = id {
            self.customers.remember(id, key);
        }
        Ok(key)
    }

    /// The code of a line by `actor` of an event of `event_type` on a `stream_kind` stream,
    /// handed out now if no line had it yet.
    pub fn kind(
        &mut self,
        tx: &Transaction<'_>,
        actor: &'static str,
        stream_kind: &str,
        event_type: &str,
    ) -> Result<i64, ProjectionError> {
        let seen = self.kinds.get(event_type).and_then(|kinds| {
            kinds
                .iter()
                .find(|seen| seen.actor == actor && *seen.stream_kind == *stream_kind)
                .map(|seen| seen.kind)
        });
        if let Some(kind) = seen {
            return Ok(kind);
        }
        let kind = stored_key_or_new(
            tx,
            "SELECT kind FROM c360_timeline_kinds \
             WHERE event_type = ?1 AND stream_kind = ?2 AND actor = ?3",
            "INSERT INTO c360_timeline_kinds (event_type, stream_kind, actor) \
             VALUES (?1, ?2, ?3) RETURNING kind",
            [event_type, stream_kind, actor],
        )?;
        let kinds = self.kinds.entry(event_type.into()).or_default();
        kinds.push(SeenKind { actor, stream_kind: stream_kind.into(), kind });
        Ok(kind)
    }

    /// Called once by a rebuild before its first batch.
    pub fn keep_across_batches(&mut self) {
        self.customers.keep_across_batches();
    }

    /// The batch's rows are written: a live runner forgets the keys it saw.
    pub fn batch_written(&mut self) {
        if !self.customers.kept_across_batches() {
            self.forget();
        }
    }

    /// The batch rolled back, and any key handed out in it with it.
    pub fn forget(&mut self) {
        self.customers.forget();
        self.kinds.clear();
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, OptionalExtension};

    use super::*;
    use crate::models::short_keys::KEYS_REMEMBERED_MAX;

    const C1: &str = "00000000-0000-0000-0000-0000000000c1";
    const C2: &str = "00000000-0000-0000-0000-0000000000c2";

    fn database() -> Connection {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "CREATE TABLE c360_customer_keys (
                 customer_key INTEGER PRIMARY KEY, customer_id TEXT NOT NULL UNIQUE);
             CREATE TABLE c360_timeline_kinds (
                 kind INTEGER PRIMARY KEY, actor TEXT NOT NULL, stream_kind TEXT NOT NULL,
                 event_type TEXT NOT NULL, UNIQUE (event_type, stream_kind, actor));",
        )
        .expect("the tables");
        conn
    }

    fn stored_customer(conn: &Connection, key: i64) -> Option<String> {
        conn.query_row(
            "SELECT customer_id FROM c360_customer_keys WHERE customer_key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()
        .expect("the look-up")
    }

    #[test]
    fn keys_are_handed_out_in_the_order_first_asked_for_and_the_same_again() {
        let mut conn = database();
        let mut keys = TimelineKeys::default();
        let tx = conn.transaction().expect("a transaction");
        let first = keys.customer(&tx, C1).expect("a key");
        let second = keys.customer(&tx, C2).expect("a key");
        assert_eq!((first, second, keys.customer(&tx, C1).expect("a key")), (1, 2, 1));
        let call = keys.kind(&tx, "sales rep", "lead", "ActivityLogged").expect("a kind");
        let by_automation = keys.kind(&tx, "automation", "lead", "ActivityLogged").expect("a kind");
        let on_other_stream =
            keys.kind(&tx, "sales rep", "quote", "ActivityLogged").expect("a kind");
        assert_eq!((call, by_automation, on_other_stream), (1, 2, 3));
        assert_eq!(keys.kind(&tx, "automation", "lead", "ActivityLogged").expect("a kind"), 2);
    }

    #[test]
    fn keys_remembered_from_another_batch_are_read_again_from_the_table() {
        let mut conn = database();
        let mut keys = TimelineKeys::default();
        let tx = conn.transaction().expect("a transaction");
        let key = keys.customer(&tx, C1).expect("a key");
        let kind = keys.kind(&tx, "finance", "payment", "PaymentReceived").expect("a kind");
        tx.commit().expect("the commit");
        keys.batch_written();

        let tx = conn.transaction().expect("a transaction");
        assert_eq!(keys.customer(&tx, C1).expect("a key"), key);
        assert_eq!(keys.kind(&tx, "finance", "payment", "PaymentReceived").expect("a kind"), kind);
        assert_eq!(keys.customer(&tx, C2).expect("a key"), key + 1);
    }

    /// A live runner's next batch may be written into another generation (a swap), where the
    /// same customer has another key.
    #[test]
    fn a_live_runner_forgets_its_keys_once_a_batch_is_written() {
        let (mut live, mut swapped_in) = (database(), database());
        swapped_in
            .execute_batch("INSERT INTO c360_customer_keys (customer_id) VALUES ('00000000-0000-0000-0000-0000000000c0'), ('00000000-0000-0000-0000-0000000000c1')")
            .expect("keys of another generation");
        let mut keys = TimelineKeys::default();
        let tx = live.transaction().expect("a transaction");
        assert_eq!(keys.customer(&tx, C1).expect("a key"), 1);
        tx.commit().expect("the commit");
        keys.batch_written();

        let tx = swapped_in.transaction().expect("a transaction");
        assert_eq!(keys.customer(&tx, C1).expect("a key"), 2);
    }

    #[test]
    fn a_rebuild_keeps_its_keys_across_batches() {
        let mut conn = database();
        let mut keys = TimelineKeys::default();
        keys.keep_across_batches();
        let tx = conn.transaction().expect("a transaction");
        keys.customer(&tx, C1).expect("a key");
        tx.commit().expect("the commit");
        keys.batch_written();
        // Emptied behind its back: a key it kept is not looked up again.
        conn.execute_batch("DELETE FROM c360_customer_keys").expect("the delete");

        let tx = conn.transaction().expect("a transaction");
        assert_eq!(keys.customer(&tx, C1).expect("a key"), 1);
        assert_eq!(stored_customer(&tx, 1), None);
    }

    #[test]
    fn a_key_handed_out_in_a_rolled_back_batch_is_handed_out_again_and_stored() {
        let mut conn = database();
        let mut keys = TimelineKeys::default();
        keys.keep_across_batches();
        let tx = conn.transaction().expect("a transaction");
        keys.customer(&tx, C1).expect("a key");
        let kind = keys.kind(&tx, "admin", "customer", "CustomerCreated").expect("a kind");
        tx.rollback().expect("the rollback");
        keys.forget();

        let tx = conn.transaction().expect("a transaction");
        let again = keys.customer(&tx, C2).expect("a key");
        assert_eq!((again, stored_customer(&tx, again).as_deref()), (1, Some(C2)));
        assert_eq!(keys.kind(&tx, "finance", "order", "OrderInvoiced").expect("a kind"), kind);
    }

    #[test]
    fn an_id_that_is_not_a_uuid_still_gets_a_key_of_its_own() {
        let mut conn = database();
        let mut keys = TimelineKeys::default();
        keys.keep_across_batches();
        let tx = conn.transaction().expect("a transaction");
        let odd = keys.customer(&tx, "not-a-uuid").expect("a key");
        let other = keys.customer(&tx, C1).expect("a key");
        assert_eq!((odd, other, keys.customer(&tx, "not-a-uuid").expect("a key")), (1, 2, 1));
    }

    #[test]
    fn past_the_most_customers_remembered_it_starts_over_and_keys_stay_right() {
        let mut conn = database();
        let mut keys = TimelineKeys::default();
        keys.keep_across_batches();
        let tx = conn.transaction().expect("a transaction");
        let ids: Vec<String> =
            (0..=KEYS_REMEMBERED_MAX as u128).map(|n| Uuid::from_u128(n + 1).to_string()).collect();
        for id in &ids {
            keys.customer(&tx, id).expect("a key");
        }
        assert_eq!(keys.customers.len(), 1, "it started over at the limit");
        // The first customer, forgotten, is looked up and keeps its key.
        assert_eq!(keys.customer(&tx, &ids[0]).expect("a key"), 1);
        assert_eq!(stored_customer(&tx, 1).as_deref(), Some(ids[0].as_str()));
    }
}
