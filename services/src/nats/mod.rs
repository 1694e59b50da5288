//! ltc on NATS: the command service, the outbox relay to JetStream, the JetStream-fed
//! projectors and the query service. `ltc serve` (in `crate::cli::serve`) runs them.
//!
//! - `connect.rs`: how every part connects (URL, user/password, token, nkey, creds file), with
//!   reconnects forever and server errors (permission violations) logged.
//! - `subjects.rs`: every subject, stream and service name ltc uses, in one place.
//! - `headers.rs`: the header names of the command wire and of published events.
//! - `commands/`: the command service (`ltc.cmd.<aggregate>.<command>`).
//! - `relay/`: the outbox relay, the event log to the `LTC_EVENTS` stream.
//! - `event_message.rs`: an envelope as a JetStream message and back.
//! - `feed.rs`: a JetStream consumer as a projector feed; `projector.rs`: the read models fed
//!   from it.
//! - `queries/`: the query service (`ltc.qry.<read model>`).

pub mod commands;
pub mod connect;
pub mod event_message;
pub mod feed;
pub mod headers;
pub mod projector;
pub mod queries;
pub mod relay;
pub mod subjects;

pub use connect::{NatsOptions, connect};
