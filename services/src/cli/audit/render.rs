//! `ltc audit`'s text: one block per event with every field an auditor asks about (where it
//! stands in the log and its stream, when it happened and when it was recorded, who, which
//! command and flow, what caused it, and the payload), and for a trail the tree of its streams.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use super::people::People;
use crate::queries::{AuditAnswer, AuditEvent, AuditTrail, TrailScope, TrailStream};

/// One stream's audit.
pub(super) fn stream(answer: &AuditAnswer, people: &People) -> String {
    let mut out = String::new();
    let (first, last) = match (answer.events.first(), answer.events.last()) {
        (Some(first), Some(last)) => (first.position, last.position),
        _ => (0, 0),
    };
    let _ = writeln!(
        out,
        "Audit of {}: {} events, versions 1 to {}, positions {first} to {last}",
        answer.stream,
        answer.events.len(),
        answer.version
    );
    for event in &answer.events {
        out.push('\n');
        event_block(&mut out, event, None, None, people);
    }
    out
}

/// A customer's or a correlation's trail: its streams as a tree, then every event.
pub(super) fn trail(trail: &AuditTrail, people: &People) -> String {
    let mut out = String::new();
    let whose = match trail.scope {
        TrailScope::Customer(customer) => format!("customer {customer}"),
        TrailScope::Correlation(correlation) => format!("correlation {correlation}"),
    };
    let (first, last) = match (trail.events.first(), trail.events.last()) {
        (Some(first), Some(last)) => (first.event.position, last.event.position),
        _ => (0, 0),
    };
    let _ = writeln!(
        out,
        "Audit trail of {whose}: {} events in {} streams, positions {first} to {last}",
        trail.events.len(),
        trail.streams.len()
    );
    let _ = writeln!(out, "\nStreams, each under the one it grew out of:");
    for root in trail.streams.iter().filter(|stream| stream.from_stream.is_none()) {
        stream_tree(&mut out, root, &trail.streams, 1);
    }
    if trail.streams.iter().any(|stream| stream.stream.starts_with("quote-")) {
        let _ = writeln!(out, "(`ltc audit quote-…` shows a quote's price waterfall in words)");
    }
    for event in &trail.events {
        out.push('\n');
        let cause = event
            .caused_by
            .as_ref()
            .map(|cause| format!("#{} {} in {}", cause.position, cause.event_type, cause.stream));
        event_block(&mut out, &event.event, Some(&event.stream), Some(cause), people);
    }
    out
}

fn stream_tree(out: &mut String, stream: &TrailStream, all: &[TrailStream], depth: usize) {
    let events = if stream.events == 1 { "event" } else { "events" };
    let _ = writeln!(
        out,
        "{:indent$}{}  {} {events}, positions {} to {}",
        "",
        stream.stream,
        stream.events,
        stream.first_position,
        stream.last_position,
        indent = depth * 2
    );
    let children = all.iter().filter(|child| child.from_stream.as_ref() == Some(&stream.stream));
    for child in children {
        stream_tree(out, child, all, depth + 1);
    }
}

/// A trail passes each event's `stream` and what its causation id names in the trail, if
/// anything (`Some(None)`: nothing); a stream's audit passes neither and prints the id as stored.
fn event_block(
    out: &mut String,
    event: &AuditEvent,
    stream: Option<&str>,
    cause: Option<Option<String>>,
    people: &People,
) {
    match stream {
        Some(stream) => {
            let _ = writeln!(
                out,
                "#{} {stream} v{} {}",
                event.position, event.version, event.event_type
            );
        }
        None => {
            let _ = writeln!(out, "#{} v{} {}", event.position, event.version, event.event_type);
        }
    }
    let mut field = |label: &str, value: &str| {
        let _ = writeln!(out, "    {label:<12} {value}");
    };
    field("occurred", &time(event.occurred_at));
    field("recorded", &time(event.recorded_at));
    field("actor", &people.actor(&event.actor));
    field("command", &event.command_id.to_string());
    field("correlation", &event.correlation_id.to_string());
    let causation = event.causation_id.map_or_else(|| "none".to_owned(), |id| id.to_string());
    match cause {
        Some(Some(cause)) => field("caused by", &format!("{cause} ({causation})")),
        Some(None) if event.causation_id.is_some() => {
            field("caused by", &format!("{causation} (outside this trail)"));
        }
        _ => field("causation", &causation),
    }
    field("event id", &event.event_id.to_string());
    field("schema", &format!("version {}", event.schema_version));
    field("payload", &event.payload.to_string());
}

/// RFC 3339 in UTC, to the microsecond when the time has any.
fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
