//! Events in words a person reads, one line each, for the customer's timeline (which `ltc demo`
//! prints as one customer's story). Each line of a deal names the deal and each line of a
//! receivable its invoice, since one customer's timeline interleaves several of both.

use ltc_domain::customer::{CustomerEvent, Origin};
use ltc_domain::lead::{ConvertTo, LeadEvent};
use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::order::OrderEvent;
use ltc_domain::payment::PaymentEvent;
use ltc_domain::quote::{ApprovalBasis, QuoteEvent};

use super::codes;

/// A deal's name in quotes, or a stand-in when the deal never reached this read model.
pub(super) fn deal(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("\"{name}\""),
        None => "an unknown deal".to_owned(),
    }
}

pub(super) fn customer(event: &CustomerEvent) -> String {
    match event {
        CustomerEvent::Created { profile, origin, .. } => {
            let from = match origin {
                Origin::Direct => "",
                Origin::ConvertedLead(_) => " from a converted lead",
            };
            format!(
                "customer {} created{from}: {} tier, {} region, {}",
                profile.name,
                codes::tier(profile.tier),
                profile.region,
                profile.industry
            )
        }
        CustomerEvent::ContactAdded { contact, .. } => {
            format!("contact added: {} ({}) <{}>", contact.name, contact.role, contact.email)
        }
        CustomerEvent::ContactUpdated { contact, .. } => {
            format!("contact updated: {} ({}) <{}>", contact.name, contact.role, contact.email)
        }
        CustomerEvent::TagAdded { tag } => format!("tagged \"{tag}\""),
        CustomerEvent::TagRemoved { tag } => format!("tag \"{tag}\" removed"),
        CustomerEvent::TierChanged { from, to } => {
            format!("tier changed from {} to {}", codes::tier(*from), codes::tier(*to))
        }
        CustomerEvent::OwnerChanged { to, .. } => format!("account handed to owner {}", to.owner),
        CustomerEvent::CreditLimitChanged { from, to } => {
            format!("credit limit changed from {from} to {to}")
        }
    }
}

/// `None` for an event that never reaches a customer (a disqualified lead's).
pub(super) fn lead(event: &LeadEvent) -> Option<String> {
    let text = match event {
        LeadEvent::Captured { channel, contact, company, .. } => {
            let at = company.name.as_deref().map(|name| format!(" of {name}")).unwrap_or_default();
            format!("lead captured from {}: {}{at}", channel_words(*channel), contact.name)
        }
        LeadEvent::CapturedAsDuplicate { .. } => {
            "the lead repeats an earlier one and waits to be merged into it".to_owned()
        }
        LeadEvent::Scored { score, .. } => format!("lead scored {} points", score.total),
        LeadEvent::Assigned { rule, .. } => match rule {
            Some(rule) => format!("lead assigned to a rep by rule \"{rule}\""),
            None => "lead assigned to a rep".to_owned(),
        },
        LeadEvent::ActivityLogged { kind, summary, .. } => {
            format!("{} with the lead: {summary}", codes::activity(*kind))
        }
        LeadEvent::Qualified { .. } => "lead qualified".to_owned(),
        LeadEvent::Disqualified { .. } => return None,
        LeadEvent::Converted { customer, contact, .. } => match customer {
            ConvertTo::NewCustomer(_) => format!(
                "lead converted into a new customer, with contact {} and an opportunity",
                contact.name
            ),
            ConvertTo::ExistingCustomer(_) => format!(
                "lead converted into this customer, with contact {} and an opportunity",
                contact.name
            ),
        },
        LeadEvent::DuplicateMerged { adopted, .. } => {
            let n_activities = adopted.activities.total();
            format!("a duplicate lead was merged in, bringing {n_activities} activity(ies)")
        }
        LeadEvent::MergedInto { .. } => {
            "this lead was a duplicate and was merged into the lead it repeats".to_owned()
        }
    };
    Some(text)
}

fn channel_words(channel: ltc_domain::lead::Channel) -> String {
    codes::channel(channel).replace('_', " ")
}

/// `deal` is the deal's name as [`deal`] quotes it.
pub(super) fn opportunity(event: &OpportunityEvent, deal: &str) -> String {
    match event {
        OpportunityEvent::Opened { amount, expected_close, stage, probability, .. } => format!(
            "opportunity {deal} opened at {amount} in {stage} ({probability} likely), \
             expected to close {expected_close}"
        ),
        OpportunityEvent::StageMoved { from, to, probability, .. } => {
            format!("{deal} moved from {from} to {to} ({probability} likely)")
        }
        OpportunityEvent::AmountChanged { from, to } => {
            format!("{deal} amount changed from {from} to {to}")
        }
        OpportunityEvent::ExpectedCloseChanged { from, to } => {
            format!("{deal} expected close moved from {from} to {to}")
        }
        OpportunityEvent::Won { amount, .. } => format!("{deal} WON at {amount}"),
        OpportunityEvent::Lost { reason, competitor, .. } => match competitor {
            Some(competitor) => format!("{deal} lost to {competitor}: {reason}"),
            None => format!("{deal} lost: {reason}"),
        },
        OpportunityEvent::Reopened { to, .. } => format!("{deal} reopened in {to}"),
        OpportunityEvent::FollowUpScheduled { subject, due_on, .. } => {
            format!("follow-up on {deal} scheduled for {due_on}: {subject}")
        }
        OpportunityEvent::FollowUpCompleted { .. } => format!("follow-up on {deal} done"),
    }
}

pub(super) fn quote(event: &QuoteEvent, deal: &str) -> String {
    match event {
        QuoteEvent::Created { version, lines, total, valid_until, .. } => format!(
            "quote v{version} for {deal} priced: {} line(s), total {total}, valid until \
             {valid_until}",
            lines.len()
        ),
        QuoteEvent::Revised { version, total, valid_until, .. } => {
            format!(
                "quote for {deal} revised to v{version}: total {total}, valid until {valid_until}"
            )
        }
        QuoteEvent::SubmittedForApproval { version, reasons, .. } => format!(
            "quote v{version} for {deal} sent to a manager for approval ({} reason(s))",
            reasons.len()
        ),
        QuoteEvent::Approved { version, basis: ApprovalBasis::ByApprover, .. } => {
            format!("quote v{version} for {deal} approved by a manager")
        }
        QuoteEvent::Approved { version, .. } => {
            format!("quote v{version} for {deal} approved: within the rep's limits")
        }
        QuoteEvent::ApprovalRejected { version, reason, .. } => {
            format!("quote v{version} for {deal} rejected by a manager: {reason}")
        }
        QuoteEvent::Sent { version, on, .. } => {
            format!("quote v{version} for {deal} sent to the customer on {on}")
        }
        QuoteEvent::Accepted { version, total, on, .. } => {
            format!("quote v{version} for {deal} accepted by the customer on {on} at {total}")
        }
        QuoteEvent::Declined { version, reason, .. } => {
            format!("quote v{version} for {deal} declined: {reason}")
        }
    }
}

pub(super) fn order(event: &OrderEvent, deal: &str) -> String {
    match event {
        OrderEvent::Placed { lines, total, payment_terms, .. } => {
            let terms: Vec<String> = payment_terms
                .parts
                .iter()
                .map(|part| format!("{} at {} days", part.share, part.days_after))
                .collect();
            format!(
                "order for {deal} placed: {} line(s), {total}; payment terms {}",
                lines.len(),
                terms.join(" + ")
            )
        }
        OrderEvent::Confirmed { .. } => format!("order for {deal} confirmed"),
        OrderEvent::Fulfilled { lines, .. } => {
            let units: u64 = lines.iter().map(|line| u64::from(line.quantity)).sum();
            format!("delivered {units} unit(s) on {} line(s) of the order for {deal}", lines.len())
        }
        OrderEvent::Invoiced { amount, instalments, .. } => {
            let due: Vec<String> = instalments
                .iter()
                .map(|instalment| format!("{} due {}", instalment.amount, instalment.due_on))
                .collect();
            format!("order for {deal} invoiced {amount}: {}", due.join(", "))
        }
        OrderEvent::LinesCancelled { amount, reason, .. } => {
            format!("order for {deal}: lines worth {amount} cancelled: {reason}")
        }
        OrderEvent::Paid { received, paid_on, .. } => {
            format!("order for {deal} PAID in full: {received} received, the last on {paid_on}")
        }
    }
}

/// `invoice` is the receivable's invoice reference.
pub(super) fn payment(event: &PaymentEvent, invoice: &str) -> String {
    // The reference's head is enough to tell a customer's invoices apart and keeps lines short.
    let invoice: String = invoice.chars().take(12).collect();
    match event {
        PaymentEvent::ReceivableOpened { total, schedule, .. } => {
            let first_due = schedule.first().map(|due| format!(", first due {}", due.due_on));
            format!(
                "invoice {invoice} open for {total} in {} instalment(s){}",
                schedule.len(),
                first_due.unwrap_or_default()
            )
        }
        PaymentEvent::PaymentReceived { amount, method, received_on, credit, .. } => {
            let credit = if credit.amount_minor > 0 {
                format!(", {credit} kept as credit")
            } else {
                String::new()
            };
            format!(
                "payment of {amount} on invoice {invoice} received by {} on {received_on}{credit}",
                codes::payment_method(*method)
            )
        }
        PaymentEvent::CreditRefunded { amount, refunded_on, .. } => {
            format!("credit of {amount} from invoice {invoice} refunded on {refunded_on}")
        }
        PaymentEvent::CreditNoteIssued { amount, reason, .. } => {
            format!("credit note of {amount} on invoice {invoice}: {reason}")
        }
        PaymentEvent::WrittenOff { amount, reason, .. } => {
            format!("{amount} of invoice {invoice} written off: {reason}")
        }
        PaymentEvent::ReceivableSettled { settled_on, .. } => {
            format!("invoice {invoice} settled on {settled_on}: nothing left to pay")
        }
    }
}
