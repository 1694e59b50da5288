//! [`rep_performance`]: one period's targets, wins, commission and work per rep, and
//! [`render`], its text table.

use std::collections::BTreeMap;

use ltc_domain::money::{Bps, Currency, Money};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::QueryError;
use crate::models::amount_text::amount_text;
use crate::models::collections::table::{Table, percent};
use crate::models::funnel::shared::share_bps;
use crate::models::period::Period;

/// One rep's period: their work, and per currency their target and wins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct RepRow {
    pub rep_id: String,
    /// The team the rep's quota for the period names, if any.
    pub team_id: Option<String>,
    pub calls: i64,
    pub emails: i64,
    pub meetings: i64,
    pub notes: i64,
    /// Lead activities of every kind.
    pub activities: i64,
    pub follow_ups_completed: i64,
    /// Deals won in the period, in every currency.
    pub won_deals: i64,
    /// One entry per currency with a target or a win, by currency.
    pub money: Vec<RepMoney>,
}

/// A rep's target and wins in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct RepMoney {
    pub currency: String,
    /// The quota's amount, when the quota is in this currency.
    pub target_minor: Option<i64>,
    pub commission_bps: Option<u32>,
    pub won_deals: i64,
    pub won_minor: i64,
    /// `won ÷ target`, in basis points rounded down; none without a target above zero.
    pub attainment_bps: Option<i64>,
    /// `won × commission_bps`, rounded half away from zero; none without a quota here.
    pub commission_minor: Option<i64>,
}

/// Every rep with a quota for `period_key` (`2026-03` or `2026-Q1`), a win in it or an activity
/// in it, by rep id.
pub fn rep_performance(conn: &Connection, period_key: &str) -> Result<Vec<RepRow>, QueryError> {
    let (_, first_day, last_day) =
        Period::bounds(period_key).ok_or_else(|| QueryError::InvalidPeriod(period_key.into()))?;
    let (first_day, last_day) = (first_day.to_string(), last_day.to_string());
    let mut reps: BTreeMap<String, RepRow> = BTreeMap::new();
    let mut quotas: BTreeMap<(String, String), (i64, u32)> = BTreeMap::new();
    let mut wins: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();

    let mut statement = conn.prepare_cached(
        "SELECT rep_id, team_id, currency, target_minor, commission_bps FROM reps_quotas \
         WHERE period = ?1",
    )?;
    let mut rows = statement.query([period_key])?;
    while let Some(row) = rows.next()? {
        let rep_id: String = row.get(0)?;
        row_of(&mut reps, &rep_id).team_id = row.get(1)?;
        quotas.insert((rep_id, row.get(2)?), (row.get(3)?, row.get(4)?));
    }

    let mut statement = conn.prepare_cached(
        "SELECT rep_id, currency, COUNT(*), SUM(won_amount_minor) FROM reps_opportunities \
         WHERE status = 'won' AND won_on >= ?1 AND won_on <= ?2 GROUP BY rep_id, currency",
    )?;
    let mut rows = statement.query(params![first_day, last_day])?;
    while let Some(row) = rows.next()? {
        let rep_id: String = row.get(0)?;
        let won_deals: i64 = row.get(2)?;
        row_of(&mut reps, &rep_id).won_deals += won_deals;
        wins.insert((rep_id, row.get(1)?), (won_deals, row.get(3)?));
    }

    let mut statement = conn.prepare_cached(
        "SELECT rep_id, kind, SUM(n_activities) FROM reps_activities \
         WHERE day >= ?1 AND day <= ?2 GROUP BY rep_id, kind",
    )?;
    let mut rows = statement.query(params![first_day, last_day])?;
    while let Some(row) = rows.next()? {
        let rep_id: String = row.get(0)?;
        let kind: String = row.get(1)?;
        let n: i64 = row.get(2)?;
        let rep = row_of(&mut reps, &rep_id);
        match kind.as_str() {
            "call" => rep.calls += n,
            "email" => rep.emails += n,
            "meeting" => rep.meetings += n,
            "note" => rep.notes += n,
            _ => rep.follow_ups_completed += n,
        }
        if kind != "follow_up_completed" {
            rep.activities += n;
        }
    }

    let mut keys: Vec<(String, String)> = quotas.keys().chain(wins.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    for (rep_id, currency) in keys {
        let quota = quotas.get(&(rep_id.clone(), currency.clone())).copied();
        let (won_deals, won_minor) =
            wins.get(&(rep_id.clone(), currency.clone())).copied().unwrap_or((0, 0));
        let money = rep_money(currency, quota, won_deals, won_minor)?;
        row_of(&mut reps, &rep_id).money.push(money);
    }
    Ok(reps.into_values().collect())
}

/// A text table: one line per rep and currency, the rep's work on their first line.
pub fn render(period_key: &str, rows: &[RepRow]) -> String {
    let header = [
        "rep",
        "team",
        "currency",
        "target",
        "won",
        "attained",
        "deals",
        "commission",
        "calls",
        "emails",
        "meetings",
        "notes",
        "follow-ups",
    ];
    let mut table = Table::new(&header, 3);
    let optional =
        |amount: Option<i64>, show: fn(i64) -> String| amount.map_or("-".to_owned(), show);
    for rep in rows {
        let work = [rep.calls, rep.emails, rep.meetings, rep.notes, rep.follow_ups_completed];
        let lines: Vec<Option<&RepMoney>> =
            if rep.money.is_empty() { vec![None] } else { rep.money.iter().map(Some).collect() };
        for (line_idx, money_line) in lines.into_iter().enumerate() {
            let mut cells = if line_idx == 0 {
                vec![rep.rep_id.clone(), rep.team_id.clone().unwrap_or_else(|| "-".into())]
            } else {
                vec![String::new(), String::new()]
            };
            match money_line {
                Some(line) => cells.extend([
                    line.currency.clone(),
                    optional(line.target_minor, amount_text),
                    amount_text(line.won_minor),
                    optional(line.attainment_bps, percent),
                    line.won_deals.to_string(),
                    optional(line.commission_minor, amount_text),
                ]),
                None => cells.extend(["-", "-", "-", "-", "0", "-"].map(str::to_owned)),
            }
            if line_idx == 0 {
                cells.extend(work.map(|n| n.to_string()));
            } else {
                cells.extend(work.map(|_| String::new()));
            }
            table.push(cells);
        }
    }
    format!("Rep performance {period_key}\n{}", table.render())
}

fn row_of<'a>(reps: &'a mut BTreeMap<String, RepRow>, rep_id: &str) -> &'a mut RepRow {
    reps.entry(rep_id.to_owned())
        .or_insert_with(|| RepRow { rep_id: rep_id.to_owned(), ..RepRow::default() })
}

fn rep_money(
    currency: String,
    quota: Option<(i64, u32)>,
    won_deals: i64,
    won_minor: i64,
) -> Result<RepMoney, QueryError> {
    let code =
        Currency::new(&currency).map_err(|_| QueryError::StoredCurrency(currency.clone()))?;
    let commission_minor = match quota {
        // The domain's one rounding rule for rates.
        Some((_, bps)) => Some(
            Money::new(won_minor, code)
                .times_bps(Bps(bps))
                .map_err(|_| QueryError::Overflow)?
                .amount_minor,
        ),
        None => None,
    };
    let attainment_bps =
        quota.and_then(|(target_minor, _)| attainment_bps(won_minor, target_minor));
    Ok(RepMoney {
        currency,
        target_minor: quota.map(|(target_minor, _)| target_minor),
        commission_bps: quota.map(|(_, bps)| bps),
        won_deals,
        won_minor,
        attainment_bps,
        commission_minor,
    })
}

/// Won ÷ target in basis points, rounded half up as the forecast model rounds the attainment of
/// the same quota, so the two never show the same rep a hundredth of a per cent apart; none for
/// a target that is not positive.
pub(super) fn attainment_bps(won_minor: i64, target_minor: i64) -> Option<i64> {
    share_bps(won_minor, target_minor).map(|bps| i64::try_from(bps).unwrap_or(i64::MAX))
}
