//! `ltc demo`: generate a seeded lead-to-cash history through the real command path into a fresh
//! data directory, then print what a sales director wants to know first (the generator's own
//! count, then the read models' figures and one customer's story from the 360° view), and the
//! verify report of the log.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::TimeZone;
use ltc_domain::lead::Channel;
use ltc_domain::money::Money;
use ltc_eventstore::{Durability, EventStore, ManualClock, StoreOptions};

use super::DataArgs;
use super::verify::print_report;
use crate::client_ids::ClientIds;
use crate::generator::{Scale, Summary, generate_with_ids};
use crate::read_models::EmbeddedReadModels;
use crate::users::UserDirectory;

#[derive(Debug, clap::Args)]
pub(super) struct DemoArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The seed: the same seed and scale always generate the same log, to the last hash.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How much history: small (3 months), medium (12), large (36).
    #[arg(long, value_enum, default_value_t = Scale::Small)]
    scale: Scale,
    /// The ids the simulated clients give their records: uniformly random, or UUIDv7 at the
    /// simulated time (the same history either way; the read models write less with UUIDv7).
    #[arg(long, value_enum, default_value = "random")]
    ids: ClientIds,
}

pub(super) fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.dir();
    let path = data.event_store();
    if path.exists() {
        let existing = EventStore::open(&path, StoreOptions::default())
            .with_context(|| format!("opening {}", path.display()))?;
        let events = existing.head().position;
        anyhow::ensure!(
            events == 0,
            "{} already holds an event store with {events} events; pass another --data \
             directory or delete this one",
            data.root().display()
        );
    }
    std::fs::create_dir_all(data.root())
        .with_context(|| format!("creating {}", data.root().display()))?;
    let start = chrono::Utc.from_utc_datetime(
        &crate::generator::start_date().and_hms_opt(0, 0, 0).expect("midnight exists"),
    );
    let clock = Arc::new(ManualClock::new(start));
    // A generated history is a bulk load: synchronous=NORMAL survives a crash of the process,
    // and a run lost to a power cut is simply generated again from its seed.
    let options = StoreOptions {
        clock: clock.clone(),
        durability: Durability::Normal,
        ..StoreOptions::default()
    };
    let store =
        EventStore::open(&path, options).with_context(|| format!("opening {}", path.display()))?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let started = Instant::now();
    let summary = runtime
        .block_on(generate_with_ids(&store, clock, args.seed, args.scale, args.ids))
        .context("generating the history")?;
    let elapsed = started.elapsed();
    println!(
        "ltc demo: generated {} events (seed {}, {:?} scale) through the command path in {:.1} s",
        summary.head_position,
        args.seed,
        args.scale,
        elapsed.as_secs_f64()
    );
    print_summary(&summary);
    let users = UserDirectory::new(crate::generator::users(args.seed))
        .context("the generated people make a user table")?;
    users.save(&data.users()).context("writing the user table")?;
    println!(
        "  users             {} in {} (for `ltc serve`: send one as Ltc-Actor)",
        users.users().len(),
        data.users().display()
    );
    let read_models =
        EmbeddedReadModels::open(&data, store.clone()).context("opening the read models")?;
    read_models.catch_up(&mut |_| {}).context("building the read models")?;
    let conn = read_models.reader().context("reading the read models")?;
    super::demo_read_models::print(&conn, summary.end, summary.story_customer.0)?;
    println!();
    let report = super::verify::verify_log(&store, None).context("verifying the log")?;
    print_report(&store, &report);
    Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_summary(summary: &Summary) {
    let percent = |bps: u32| format!("{}.{} %", bps / 100, bps % 100 / 10);
    let share = |part: &Money, whole: &Money| {
        if whole.amount_minor == 0 {
            "0.0 %".to_owned()
        } else {
            percent(
                (i128::from(part.amount_minor) * 10_000 / i128::from(whole.amount_minor)) as u32,
            )
        }
    };
    println!();
    println!("From {} to {}:", summary.start, summary.end);
    let leads = &summary.leads;
    let new_leads = leads.captured - leads.duplicates;
    println!(
        "  leads             {} captured, {} of them duplicates ({} merged); {} qualified, {} \
         disqualified, {} converted ({} of new leads)",
        leads.captured,
        leads.duplicates,
        leads.merged,
        leads.qualified,
        leads.disqualified,
        leads.converted,
        percent((leads.converted * 10_000).checked_div(new_leads).unwrap_or(0) as u32)
    );
    let by_channel: Vec<String> = leads
        .by_channel
        .iter()
        .map(|count| {
            format!("{} {}/{}", channel_words(count.channel), count.captured, count.converted)
        })
        .collect();
    println!("  leads by channel  {} (captured/converted)", by_channel.join(", "));
    println!(
        "  customers         {} ({} of them converted from leads)",
        summary.customers, leads.converted
    );
    println!(
        "  opportunities     {} won, {} lost, {} still open; win rate {}",
        summary.opportunities_won,
        summary.opportunities_lost,
        summary.opportunities_open,
        percent(summary.win_rate_bps)
    );
    println!(
        "  quotes            {}, of which {} needed a manager's approval",
        summary.quotes, summary.quotes_needing_approval
    );
    println!("  orders            {} in {} invoices", summary.orders, summary.invoices);
    println!("  invoiced          {}", summary.invoiced);
    println!(
        "  cash received     {} ({} of invoiced; {} of overpayments refunded)",
        summary.cash_received,
        share(&summary.cash_received, &summary.invoiced),
        summary.refunded
    );
    println!(
        "  outstanding       {} on {}, of which {} overdue",
        summary.outstanding, summary.end, summary.overdue
    );
    println!("  written off       {}", summary.written_off);
    println!("  head              position {}, hash {}", summary.head_position, summary.head_hash);
}

fn channel_words(channel: Channel) -> &'static str {
    match channel {
        Channel::WebForm => "web form",
        Channel::Email => "email",
        Channel::Event => "event",
        Channel::Social => "social",
        Channel::Referral => "referral",
        Channel::Phone => "phone",
        Channel::Import => "import",
        Channel::Api => "API",
    }
}
