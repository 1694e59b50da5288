//! A quote's price waterfall in words, version by version, from its events alone: for every line
//! the list price, the price book and customer-tier prices, the gross amount, then the volume
//! discount, the promotion and the rep's line discount with the amount each took off; the total;
//! and how the version was approved, sent, accepted, declined or superseded.
//!
//! Every figure is the integer minor units the events hold (`Money`'s own display); a discount
//! is the difference of the recorded before and after, never recomputed from a rate.

use std::fmt::Write;

use ltc_domain::money::{Bps, Money, MoneyError};
use ltc_domain::quote::{
    ApprovalBasis, ApprovalPolicy, ApprovalReason, PricedLine, PricingStep, PricingTerms,
    PromotionBenefit, QuoteEvent, StepKind, StepReason,
};

use super::people::People;
use crate::queries::AuditEvent;

/// The waterfall of every version of the quote whose events these are, in version order.
pub(super) fn quote(events: &[AuditEvent], people: &People) -> anyhow::Result<String> {
    let mut decoded = Vec::with_capacity(events.len());
    for event in events {
        let quote_event: QuoteEvent = serde_json::from_value(event.payload.clone())
            .map_err(|error| anyhow::anyhow!("the event at {}: {error}", event.position))?;
        decoded.push((event, quote_event));
    }
    let mut out = String::new();
    for (event, quote_event) in &decoded {
        let (number, terms, lines, total) = match quote_event {
            QuoteEvent::Created { version, terms, lines, total, .. }
            | QuoteEvent::Revised { version, terms, lines, total, .. } => {
                (*version, terms, lines, *total)
            }
            _ => continue,
        };
        let _ = writeln!(
            out,
            "\nPrice waterfall of version {number}: {} #{} by {}",
            event.event_type,
            event.position,
            people.actor(&event.actor)
        );
        priced_for(&mut out, terms);
        for line in lines {
            priced_line(&mut out, line);
        }
        let _ = writeln!(out, "  the whole quote:");
        for (label, figure, why) in whole_quote(lines, total)? {
            row(&mut out, label, &figure, why);
        }
        for (later, later_event) in &decoded {
            if let Some(outcome) = outcome(later_event, number, people) {
                let _ = writeln!(out, "  {outcome} (#{})", later.position);
            }
        }
    }
    Ok(out)
}

/// The quote's waterfall summed over its lines: from the list value down to the total, each
/// step the exact sum of what it took off every line, so the rows add up to the total.
fn whole_quote(
    lines: &[PricedLine],
    total: Money,
) -> anyhow::Result<Vec<(&'static str, String, &'static str)>> {
    let zero = Money::zero(total.currency);
    let (mut list_value, mut gross) = (zero, zero);
    let mut off = [zero; 3];
    for line in lines {
        for step in &line.waterfall {
            match step.step {
                StepKind::List => list_value = list_value.checked_add(times(step.after, line)?)?,
                StepKind::Volume => {
                    gross = gross.checked_add(step.before)?;
                    off[0] = off[0].checked_add(step.before.checked_sub(step.after)?)?;
                }
                StepKind::Promotion => {
                    off[1] = off[1].checked_add(step.before.checked_sub(step.after)?)?;
                }
                StepKind::ManualDiscount => {
                    off[2] = off[2].checked_add(step.before.checked_sub(step.after)?)?;
                }
                StepKind::PriceBook | StepKind::CustomerTier => {}
            }
        }
    }
    let books = list_value.checked_sub(gross)?;
    let stepped_total = gross.checked_sub(off[0])?.checked_sub(off[1])?.checked_sub(off[2])?;
    let mut rows = vec![
        ("list value", list_value.to_string(), "every line at its list price"),
        ("price books", minus(books), "the books' and the customer tier's prices"),
        ("volume discounts", minus(off[0]), ""),
        ("promotions", minus(off[1]), ""),
        ("line discounts", minus(off[2]), "given by the rep; see the approval below"),
        ("tax", "none".to_owned(), "ltc prices net: a quote records no tax"),
        ("total", total.to_string(), "what the customer is asked to pay"),
    ];
    if stepped_total != total {
        // The events are taken as they are; a payload whose steps do not reach its own total
        // was written by something other than the pricing function.
        rows.push((
            "DOES NOT ADD UP",
            stepped_total.to_string(),
            "the steps reach this, not the recorded total",
        ));
    }
    Ok(rows)
}

fn times(unit_price: Money, line: &PricedLine) -> Result<Money, MoneyError> {
    let amount_minor = unit_price
        .amount_minor
        .checked_mul(i64::from(line.quantity))
        .ok_or(MoneyError::Overflow)?;
    Ok(Money { amount_minor, ..unit_price })
}

/// An amount taken off, written with its sign.
fn minus(amount: Money) -> String {
    if amount.amount_minor == 0 { amount.to_string() } else { format!("-{amount}") }
}

fn priced_for(out: &mut String, terms: &PricingTerms) {
    let _ = writeln!(
        out,
        "  priced on {} in {} for a {} customer in region {}",
        terms.pricing_date, terms.currency, terms.tier.0, terms.region.0
    );
}

fn priced_line(out: &mut String, line: &PricedLine) {
    let options = if line.options.is_empty() {
        String::new()
    } else {
        let keys: Vec<&str> = line.options.iter().map(|option| option.0.as_str()).collect();
        format!(" with {}", keys.join(", "))
    };
    let _ = writeln!(
        out,
        "  line {}: {} × {} \"{}\"{options} ({})",
        line.line_no, line.quantity, line.sku.0, line.product_name, line.unit
    );
    for step in &line.waterfall {
        if step.step == StepKind::Volume {
            let gross = format!("{} × {}", line.quantity, step_unit_price(line));
            row(out, "gross", &step.before.to_string(), &gross);
        }
        let (label, figure, why) = step_words(step);
        row(out, label, &figure, &why);
    }
    row(out, "line amount", &line.amount.to_string(), "");
}

fn row(out: &mut String, label: &str, figure: &str, why: &str) {
    let line = format!("    {label:<24}{figure:>16}  {why}");
    let _ = writeln!(out, "{}", line.trim_end());
}

/// The unit price the line amount starts from: the customer-tier step's result.
fn step_unit_price(line: &PricedLine) -> String {
    line.waterfall
        .iter()
        .find(|step| step.step == StepKind::CustomerTier)
        .map_or_else(|| "?".to_owned(), |step| step.after.to_string())
}

/// A step's label, its figure (a unit price, or the amount it took off the line) and why.
fn step_words(step: &PricingStep) -> (&'static str, String, String) {
    let took_off = || match step.before.checked_sub(step.after) {
        Ok(off) => minus(off),
        Err(error) => format!("({error})"),
    };
    match &step.reason {
        StepReason::ListPrice { catalog_version } => {
            ("list price", step.after.to_string(), format!("a unit, catalog {catalog_version}"))
        }
        StepReason::PriceBook { book } => {
            ("price book", step.after.to_string(), format!("a unit, book {}", book.0))
        }
        StepReason::NoPriceBook => ("price book", step.after.to_string(), "no book applies".into()),
        StepReason::NotInPriceBook { book } => {
            ("price book", step.after.to_string(), format!("book {} has no price for it", book.0))
        }
        StepReason::TierPriceBook { book, tier } => {
            ("customer tier", step.after.to_string(), format!("a unit, {} book {}", tier.0, book.0))
        }
        StepReason::NoTierPriceBook { tier } => {
            ("customer tier", step.after.to_string(), format!("no {} book applies", tier.0))
        }
        StepReason::NotInTierPriceBook { book, tier } => (
            "customer tier",
            step.after.to_string(),
            format!("{} book {} has no price for it", tier.0, book.0),
        ),
        StepReason::VolumeRange { quantity_from, discount_bps } => (
            "volume discount",
            took_off(),
            format!("{} on every unit, from {quantity_from} units", rate(*discount_bps)),
        ),
        StepReason::VolumeSlab { bands } => {
            let bands: Vec<String> = bands
                .iter()
                .map(|band| {
                    format!(
                        "{} from unit {} at {}",
                        band.units,
                        band.quantity_from,
                        rate(band.discount_bps)
                    )
                })
                .collect();
            ("volume discount", took_off(), format!("by slab: {}", bands.join("; ")))
        }
        StepReason::NoVolumeSchedule => {
            ("volume discount", took_off(), "no volume schedule".into())
        }
        StepReason::BelowFirstVolumeTier { quantity_from } => (
            "volume discount",
            took_off(),
            format!("below the first tier, at {quantity_from} units"),
        ),
        StepReason::Promotion { promotion, benefit } => {
            let benefit = match benefit {
                PromotionBenefit::PercentOff(bps) => format!("{} off", rate(*bps)),
                PromotionBenefit::AmountOff(amount) => format!("{amount} off"),
            };
            ("promotion", took_off(), format!("{}: {benefit}", promotion.0))
        }
        StepReason::NoPromotion => ("promotion", took_off(), "none applies".into()),
        StepReason::ManualDiscount { discount_bps } => {
            ("line discount", took_off(), format!("{} given on the line", rate(*discount_bps)))
        }
    }
}

/// What became of version `number`, in words, if `event` says.
fn outcome(event: &QuoteEvent, number: u32, people: &People) -> Option<String> {
    Some(match event {
        QuoteEvent::SubmittedForApproval { version, by, reasons, policy, .. }
            if *version == number =>
        {
            let reasons: Vec<String> = reasons.iter().map(reason).collect();
            format!(
                "approval: submitted by {} because {} ({})",
                people.user(*by),
                reasons.join(", and "),
                policy_words(policy)
            )
        }
        QuoteEvent::Approved { version, by, basis, .. } if *version == number => match basis {
            ApprovalBasis::WithinLimits { policy } => format!(
                "approval: none needed, within the limits of {} ({})",
                people.user(*by),
                policy_words(policy)
            ),
            ApprovalBasis::ByApprover => format!("approval: approved by {}", people.user(*by)),
        },
        QuoteEvent::ApprovalRejected { version, by, reason, .. } if *version == number => {
            format!("approval: rejected by {}: {reason}", people.user(*by))
        }
        QuoteEvent::Sent { version, on, .. } if *version == number => format!("sent on {on}"),
        QuoteEvent::Accepted { version, total, on, .. } if *version == number => {
            format!("accepted on {on} for {total}")
        }
        QuoteEvent::Declined { version, reason, .. } if *version == number => {
            format!("declined: {reason}")
        }
        QuoteEvent::Revised { version, supersedes, .. } if *supersedes == number => {
            format!("superseded by version {version}")
        }
        _ => return None,
    })
}

fn reason(reason: &ApprovalReason) -> String {
    match reason {
        ApprovalReason::DiscountAboveLimit { line_no, discount_bps, discount_bps_max } => format!(
            "line {line_no}'s discount of {} is above the submitter's {}",
            rate(*discount_bps),
            rate(*discount_bps_max)
        ),
        ApprovalReason::TotalAboveThreshold { total, total_max } => {
            format!("the total {total} is above {total_max}")
        }
    }
}

fn policy_words(policy: &ApprovalPolicy) -> String {
    let total = policy
        .total_max
        .map_or_else(String::new, |total_max| format!(", totals up to {total_max}"));
    format!(
        "reps may give up to {}, managers up to {}{total}",
        rate(policy.sales_rep_discount_bps_max),
        rate(policy.sales_manager_discount_bps_max)
    )
}

/// Basis points as a percentage with two decimals, `12.50 %`.
fn rate(bps: Bps) -> String {
    bps.to_string()
}
