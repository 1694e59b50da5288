//! The customer as readable text: the profile, the headline figures, one table per kind of
//! record, and the timeline. And the list of customers as one table.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use ltc_domain::money::{Bps, Money};
use uuid::Uuid;

use super::list::CustomerListRow;
use super::query::Customer360;
use super::timeline::TimelineEntry;
use crate::models::amount_text::amount_text;

/// The customer, then `timeline` (as [`super::timeline`] returned it) under it.
pub fn render(customer: &Customer360, timeline: &[TimelineEntry]) -> String {
    let mut out = String::new();
    let profile = &customer.profile;
    let origin = match profile.lead_id {
        Some(lead_id) => format!("converted from lead {}", short(lead_id)),
        None => profile.origin.clone(),
    };
    let tags = if customer.tags.is_empty() { "none".to_owned() } else { customer.tags.join(", ") };
    let figures = &customer.figures;
    let last = figures.last_activity.map_or("never".to_owned(), time);
    let _ = write!(
        out,
        "Customer {} ({})  as of {}\n\
         {} tier · {} · {} region · owner {} · credit limit {}\n\
         {origin} · created {} · tags: {tags}\n\n\
         lifetime value  {}\n\
         open pipeline   {}\n\
         open AR         {}\n\
         overdue         {}\n\
         credit balance  {}\n\
         last activity   {last}\n",
        profile.name,
        short(profile.customer_id),
        customer.as_of,
        profile.tier,
        profile.industry,
        profile.region,
        short(profile.owner_id),
        money_text(&profile.credit_limit),
        time(profile.created_at),
        amounts(&figures.lifetime_value),
        amounts(&figures.open_pipeline),
        amounts(&figures.open_ar),
        amounts(&figures.overdue),
        amounts(&figures.credit_balance),
    );
    section(&mut out, "Contacts", &["NAME", "ROLE", "EMAIL", "PHONE"], &[], {
        let contacts = customer.contacts.iter();
        contacts
            .map(|c| vec![c.name.clone(), c.role.clone(), c.email.clone(), or_none(&c.phone)])
            .collect()
    });
    section(&mut out, "Leads", &["CAPTURED", "CHANNEL", "CONTACT", "SCORE", "CONVERTED"], &[3], {
        let leads = customer.leads.iter();
        leads
            .map(|lead| {
                vec![
                    time(lead.captured_at),
                    lead.channel.clone(),
                    lead.contact_name.clone(),
                    lead.score.map_or("-".to_owned(), |score| score.to_string()),
                    lead.converted_at.map_or("-".to_owned(), time),
                ]
            })
            .collect()
    });
    section(
        &mut out,
        "Opportunities",
        &["NAME", "STATUS", "STAGE", "AMOUNT", "PROB", "CLOSE"],
        &[3, 4],
        customer
            .opportunities
            .iter()
            .map(|o| {
                let close = o.closed_at.map_or(o.expected_close.to_string(), day);
                let (name, status, stage) = (o.name.clone(), o.status.clone(), o.stage.clone());
                vec![name, status, stage, money_text(&o.amount), percent(o.probability_bps), close]
            })
            .collect(),
    );
    section(
        &mut out,
        "Quotes",
        &["DEAL", "VERSION", "STATUS", "TOTAL", "VALID UNTIL"],
        &[1, 3],
        customer
            .quotes
            .iter()
            .map(|q| {
                let (deal, status) = (or_none(&q.deal), q.status.clone());
                let version = format!("v{}", q.version);
                vec![deal, version, status, money_text(&q.total), q.valid_until.to_string()]
            })
            .collect(),
    );
    section(
        &mut out,
        "Orders",
        &["DEAL", "STATUS", "TOTAL", "FULFILLED", "INVOICED", "PAID ON"],
        &[2, 3, 4],
        customer
            .orders
            .iter()
            .map(|o| {
                let paid_on = o.paid_on.map_or("-".to_owned(), |on| on.to_string());
                let (fulfilled, invoiced) = (percent(o.fulfilled_bps), percent(o.invoiced_bps));
                let status = format!("{:?}", o.status);
                vec![or_none(&o.deal), status, money_text(&o.total), fulfilled, invoiced, paid_on]
            })
            .collect(),
    );
    section(
        &mut out,
        "Invoices and receivables",
        &["INVOICE", "OPENED", "TOTAL", "PAID", "OUTSTANDING", "OVERDUE", "NEXT DUE"],
        &[2, 3, 4, 5],
        customer
            .receivables
            .iter()
            .map(|r| {
                let next_due = match (r.next_due_on, r.settled_on) {
                    (_, Some(settled_on)) => format!("settled {settled_on}"),
                    (Some(due_on), None) => due_on.to_string(),
                    (None, None) => "-".to_owned(),
                };
                vec![
                    r.invoice_reference.chars().take(12).collect(),
                    r.opened_on.to_string(),
                    money_text(&r.total),
                    money_text(&r.paid),
                    money_text(&r.outstanding),
                    money_text(&r.overdue),
                    next_due,
                ]
            })
            .collect(),
    );
    section(
        &mut out,
        "Credits",
        &["ON", "KIND", "INVOICE", "AMOUNT", "NOTE"],
        &[3],
        customer
            .credits
            .iter()
            .map(|c| {
                let invoice = c.invoice_reference.chars().take(12).collect();
                vec![
                    c.on.to_string(),
                    c.kind.clone(),
                    invoice,
                    money_text(&c.amount),
                    c.note.clone(),
                ]
            })
            .collect(),
    );
    let _ = writeln!(out, "\nTimeline ({} line(s))", timeline.len());
    for entry in timeline {
        let _ = writeln!(out, "  {}  {:<13} {}", time(entry.occurred_at), entry.actor, entry.text);
    }
    out
}

/// The customers as one table.
pub fn render_list(rows: &[CustomerListRow]) -> String {
    let mut out = String::new();
    let body = rows
        .iter()
        .map(|row| {
            vec![
                short(row.customer_id),
                row.name.clone(),
                row.tier.clone(),
                short(row.owner_id),
                amounts(&row.open_pipeline),
                amounts(&row.open_ar),
            ]
        })
        .collect();
    table(
        &mut out,
        "",
        &["ID", "NAME", "TIER", "OWNER", "OPEN PIPELINE", "OPEN AR"],
        &[4, 5],
        body,
    );
    out
}

fn section(
    out: &mut String,
    title: &str,
    headers: &[&str],
    right: &[usize],
    rows: Vec<Vec<String>>,
) {
    let _ = writeln!(out, "\n{title} ({})", rows.len());
    if !rows.is_empty() {
        table(out, "  ", headers, right, rows);
    }
}

/// Columns as wide as their widest cell; the columns in `right` aligned right (amounts).
fn table(
    out: &mut String,
    indent: &str,
    headers: &[&str],
    right: &[usize],
    rows: Vec<Vec<String>>,
) {
    let mut widths: Vec<usize> = headers.iter().map(|header| header.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header_row: Vec<String> = headers.iter().map(|header| (*header).to_owned()).collect();
    for row in std::iter::once(&header_row).chain(&rows) {
        let mut line = String::from(indent);
        for (column, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let gap = if column == 0 { "" } else { " " };
            let pad = " ".repeat(width - cell.chars().count());
            if right.contains(&column) {
                let _ = write!(line, "{gap}{pad}{cell}");
            } else {
                let _ = write!(line, "{gap}{cell}{pad}");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// Several currencies side by side; "none" for nothing.
fn amounts(amounts: &[Money]) -> String {
    if amounts.is_empty() {
        return "none".to_owned();
    }
    amounts.iter().map(money_text).collect::<Vec<_>>().join(", ")
}

/// An amount as every text table prints it, with its currency: `1,234.56 EUR`.
fn money_text(money: &Money) -> String {
    format!("{} {}", amount_text(money.amount_minor), money.currency)
}

fn percent(bps: u32) -> String {
    Bps(bps).to_string()
}

/// The last 8 hex digits: enough to tell a customer's records apart on screen. (The first
/// digits of a time-ordered UUID are its timestamp, shared by ids minted together.)
fn short(id: Uuid) -> String {
    let hex = id.simple().to_string();
    hex[hex.len() - 8..].to_owned()
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn or_none(text: &Option<String>) -> String {
    text.clone().unwrap_or_else(|| "-".to_owned())
}
