//! `ltc audit`: the full trail from the log, for auditors. One stream with every envelope field
//! and its payload (and a quote's price waterfall in words); `--customer` the customer's whole
//! business from lead to cash; `--correlation` everything one business flow set off. Readable
//! text by default, `--json` for machines. Reads the log only, never the read models.

mod people;
mod render;
mod waterfall;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::ArgGroup;
use ltc_domain::quote::QuoteDecider;
use ltc_eventstore::{EventStore, StreamId};
use uuid::Uuid;

use super::DataArgs;
use super::open_store::open_for_one_scan;
use super::rebuild::ProgressDisplay;
use crate::command::Aggregate;
use crate::queries::{AUDIT_EVENTS_MAX, AuditAnswer, AuditRequest, TrailScope, audit, audit_trail};
use crate::users::UserDirectory;
use people::People;

#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("scope").required(true).args(["stream", "customer", "correlation"])))]
pub(super) struct AuditArgs {
    #[command(flatten)]
    data: DataArgs,
    /// One stream, `kind-uuid` as `ltc events` prints it: every event it holds.
    stream: Option<StreamId>,
    /// A customer's id (or `customer-<id>`): every stream of their business, lead to cash.
    #[arg(long, value_name = "ID", value_parser = parse_customer)]
    customer: Option<Uuid>,
    /// A correlation id: every event one business flow set off, across aggregates.
    #[arg(long, value_name = "ID")]
    correlation: Option<Uuid>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.dir();
    let store = open_for_one_scan(&data)?;
    let people = People::new(
        UserDirectory::load(&data.users()).context("reading the user table for names")?,
    );
    let scope = match (&args.stream, args.customer, args.correlation) {
        (Some(stream), _, _) => return audit_stream(&store, stream, &people, args.json),
        (None, Some(customer), _) => TrailScope::Customer(customer),
        (None, None, Some(correlation)) => TrailScope::Correlation(correlation),
        (None, None, None) => unreachable!("clap requires one of the scope's arguments"),
    };
    // Finding a trail reads the whole log: a second or more on a large one.
    let bar = ProgressDisplay::new("reading the log");
    let trail = audit_trail(&store, scope, &mut |progress| bar.update(progress));
    bar.finish();
    let trail = trail?;
    if args.json {
        emit(&(serde_json::to_string_pretty(&trail)? + "\n"))?;
    } else {
        emit(&render::trail(&trail, &people))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn audit_stream(
    store: &EventStore,
    stream: &StreamId,
    people: &People,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let whole = whole_stream(store, stream)?;
    if json {
        emit(&(serde_json::to_string_pretty(&whole)? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = render::stream(&whole, people);
    if stream.kind.as_str() == QuoteDecider::KIND {
        text.push_str(&waterfall::quote(&whole.events, people)?);
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Every event of the stream: the audit query's pages, joined.
fn whole_stream(store: &EventStore, stream: &StreamId) -> anyhow::Result<AuditAnswer> {
    let mut request =
        AuditRequest { stream: stream.to_string(), from_version: 1, limit: AUDIT_EVENTS_MAX };
    let (_, mut whole) = audit(store, &request)?;
    let mut next_version = whole.next_version;
    while let Some(from_version) = next_version {
        request.from_version = from_version;
        let (_, page) = audit(store, &request)?;
        whole.events.extend(page.events);
        next_version = page.next_version;
    }
    whole.truncated = false;
    whole.next_version = None;
    Ok(whole)
}

/// Writes to stdout. A reader that stops early (`ltc audit … | head`) is not an error: what it
/// read was written whole.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    super::output::written(stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()))
}

fn parse_customer(text: &str) -> Result<Uuid, String> {
    let id = text.strip_prefix("customer-").unwrap_or(text);
    Uuid::parse_str(id).map_err(|_| format!("{text:?} is not a customer id (a UUID)"))
}
