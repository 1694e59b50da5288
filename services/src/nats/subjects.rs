//! Every NATS name ltc uses. Subjects are part of the wire contract: renaming one breaks clients
//! and the permissions operators wrote for them (docs/nats.md).

/// Commands: `ltc.cmd.<aggregate>.<command>`, such as `ltc.cmd.quote.accept`.
pub const COMMAND_PREFIX: &str = "ltc.cmd";
/// Events: `ltc.evt.<aggregate>.<id>`, one subject per stream.
pub const EVENT_PREFIX: &str = "ltc.evt";
/// Queries: `ltc.qry.<read model>`, such as `ltc.qry.customer360`.
pub const QUERY_PREFIX: &str = "ltc.qry";

/// The JetStream stream every event is relayed to, in position order.
pub const EVENTS_STREAM: &str = "LTC_EVENTS";

/// NATS micro service names (`$SRV.INFO.<name>`); `^[A-Za-z0-9_-]+$`.
pub const COMMAND_SERVICE: &str = "ltc-commands";
pub const QUERY_SERVICE: &str = "ltc-queries";
pub const RELAY_SERVICE: &str = "ltc-relay";

/// Queue groups: instances of the same part share the load.
pub const COMMAND_QUEUE_GROUP: &str = "ltc-commands";
pub const QUERY_QUEUE_GROUP: &str = "ltc-queries";

/// The subject an event of stream `kind`/`id` is published on.
pub fn event_subject(kind: &str, id: &uuid::Uuid) -> String {
    format!("{EVENT_PREFIX}.{kind}.{id}")
}
