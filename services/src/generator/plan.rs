//! What the simulation keeps about each customer, deal and receivable, the actions it schedules
//! on the agenda, and the random choices that shape a deal when it is opened.

use std::collections::VecDeque;

use ltc_domain::customer::Tier;
use ltc_domain::ids::{CustomerId, OpportunityId, OrderId, PaymentId, QuoteId};
use ltc_domain::opportunity::TaskId;
use ltc_domain::quote::LineInput;
use rand::Rng;
use rand::rngs::StdRng;

/// Something to do on a given day.
#[derive(Debug, Clone, Copy)]
pub(super) enum Action {
    CreateCustomer(usize),
    /// The next step of deal `n`.
    Deal(usize),
    /// Receivable `receivable` receives `amount_minor`.
    Receive {
        receivable: usize,
        amount_minor: i64,
    },
    /// Refund the credit an overpayment left.
    Refund(usize),
    /// Write off what is still outstanding.
    WriteOff(usize),
    /// The deal's owner does follow-up `task`.
    CompleteFollowUp {
        opportunity: OpportunityId,
        task: TaskId,
    },
    /// The next step of lead `n`.
    Lead(usize),
}

/// How a customer pays its invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Payer {
    Prompt,
    Late,
    Partial,
    Overpays,
    /// Pays the first instalment at most, then nothing: written off after 120 days.
    Defaults,
}

#[derive(Debug)]
pub(super) struct CustomerFile {
    pub id: CustomerId,
    pub name: String,
    pub tier: Tier,
    pub region: &'static str,
    pub rep: usize,
    pub payer: Payer,
    pub created: bool,
    /// Deals opened with this customer so far.
    pub deals: u32,
}

/// Where a deal is headed, drawn when it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Won,
    /// Lost before any quote.
    LostEarly,
    /// Lost after the quote was sent.
    LostAfterQuote,
}

/// The next thing to do on a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Open,
    NeedsAnalysis,
    Proposal,
    Submit,
    Review,
    Revise,
    Send,
    Negotiation,
    Close,
    Confirm,
    FulfilPart,
    FulfilRest,
    Invoice,
    Done,
}

#[derive(Debug)]
pub(super) struct Deal {
    pub customer: usize,
    /// The deal's number among the customer's deals, from 1.
    pub number: u32,
    pub rep: usize,
    pub opportunity: OpportunityId,
    pub outcome: Outcome,
    pub next: Step,
    pub quote: Option<QuoteId>,
    pub lines: Vec<LineInput>,
    /// The manager rejects the first approval request and the rep revises.
    pub reject_first: bool,
    pub quote_sent: bool,
    pub order: Option<OrderId>,
    /// Quantity per order line.
    pub quantities: Vec<u32>,
    pub invoices_planned: u32,
    pub invoices_issued: u32,
    /// The steps after confirmation, each with the days to wait before it.
    pub after_confirm: VecDeque<(Step, i64)>,
    pub receivables: Vec<PaymentId>,
}

pub(super) fn draw_tier(rng: &mut StdRng) -> Tier {
    match rng.random_range(0..10) {
        0 => Tier::Strategic,
        1..=3 => Tier::Key,
        _ => Tier::Normal,
    }
}

pub(super) fn draw_payer(rng: &mut StdRng) -> Payer {
    match rng.random_range(0..100) {
        0..55 => Payer::Prompt,
        55..80 => Payer::Late,
        80..88 => Payer::Partial,
        88..92 => Payer::Overpays,
        _ => Payer::Defaults,
    }
}

/// About 30 % of deals are won; of the rest, some die before a quote.
pub(super) fn draw_outcome(rng: &mut StdRng) -> Outcome {
    match rng.random_range(0..100) {
        0..30 => Outcome::Won,
        30..58 => Outcome::LostEarly,
        _ => Outcome::LostAfterQuote,
    }
}

/// Whether the rep records the win when the quote is signed. One in four leaves it to the
/// payment: the settlement process manager wins the deal once its order is paid.
pub(super) fn draw_rep_records_win(rng: &mut StdRng) -> bool {
    !rng.random_ratio(1, 4)
}

/// One in this many working days a customer of the tier starts a new deal.
pub(super) fn days_between_deals(tier: Tier) -> u32 {
    match tier {
        Tier::Strategic => 12,
        Tier::Key => 18,
        Tier::Normal => 30,
    }
}

/// The order of steps after confirmation for `invoices` invoices: with one, invoice when all is
/// delivered; with two, after the first delivery and after the rest; with three, also one up
/// front.
pub(super) fn after_confirm(rng: &mut StdRng, invoices: u32) -> VecDeque<(Step, i64)> {
    let mut steps = VecDeque::new();
    if invoices == 3 {
        steps.push_back((Step::Invoice, 1));
    }
    steps.push_back((Step::FulfilPart, rng.random_range(2..=6)));
    if invoices >= 2 {
        steps.push_back((Step::Invoice, 1));
    }
    steps.push_back((Step::FulfilRest, rng.random_range(5..=15)));
    steps.push_back((Step::Invoice, rng.random_range(1..=3)));
    steps
}

const LOSS_REASONS: [(&str, bool); 5] = [
    ("price too high", true),
    ("chose a competitor", true),
    ("no budget this year", false),
    ("no decision made", false),
    ("project postponed", false),
];
const COMPETITORS: [&str; 4] = ["Salesforce", "HubSpot", "Pipedrive", "Zoho"];

/// A reason for losing a deal and, when it names one, the competitor.
pub(super) fn draw_loss(rng: &mut StdRng) -> (String, Option<String>) {
    let (reason, competitive) = LOSS_REASONS[rng.random_range(0..LOSS_REASONS.len())];
    let competitor = competitive.then(|| COMPETITORS[rng.random_range(0..COMPETITORS.len())]);
    (reason.to_owned(), competitor.map(str::to_owned))
}
