//! What the funnel, leads and stalled read models share: the error their queries return, the
//! range of dates a query covers, the one rounding rule of their ratios and averages, and how
//! their text tables are laid out.
//!
//! **Rounding.** Every ratio and average is computed from exact integer sums and rounded once,
//! half away from zero, at the end: `ratio_bps(1, 3)` is 3,333 bps, `ratio_bps(2, 3)` 6,667,
//! `average(5, 2)` 3. Nothing is rounded twice, so a figure does not drift with the grouping.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::models::amount_text::amount_text;

/// Why a read-model query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The read-model database failed, or does not hold this model's tables yet: run the
    /// projector (or a rebuild) over it first.
    #[error("read-model query failed: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The range starts after it ends: swap the dates.
    #[error("the range starts on {from}, after it ends on {to}")]
    InvalidRange { from: NaiveDate, to: NaiveDate },
    /// A row holds what the projection never writes (a foreign or damaged file): rebuild.
    #[error("read-model row is not as written: {0}")]
    Corrupt(String),
}

/// The days a query covers, both ends included. Which date of a fact is compared with it (a
/// lead's capture, an opportunity's opening) is stated by each query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Every date the tables can hold: years 1 to 9999, whose ISO text sorts as the dates do.
    pub const ALL: DateRange = DateRange {
        from: NaiveDate::from_ymd_opt(1, 1, 1).expect("a calendar date"),
        to: NaiveDate::from_ymd_opt(9999, 12, 31).expect("a calendar date"),
    };

    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, QueryError> {
        if from > to {
            return Err(QueryError::InvalidRange { from, to });
        }
        Ok(DateRange { from, to })
    }

    /// The bounds as the ISO text the tables store, for `BETWEEN ?1 AND ?2`.
    pub(crate) fn bounds_text(&self) -> (String, String) {
        (self.from.to_string(), self.to.to_string())
    }
}

/// `numerator ÷ denominator` in basis points, rounded half up; `None` when nothing was counted.
pub fn ratio_bps(numerator: u64, denominator: u64) -> Option<u32> {
    if denominator == 0 {
        return None;
    }
    let scaled = u128::from(numerator) * 10_000;
    let denominator = u128::from(denominator);
    let rounded = (2 * scaled + denominator) / (2 * denominator);
    Some(u32::try_from(rounded).unwrap_or(u32::MAX))
}

/// `part ÷ whole` in basis points, rounded half up, for amounts (attainment, coverage); `None`
/// unless `whole` is positive and `part` is not negative. The forecast's and the reps' model
/// share it, so one quota's attainment reads the same in both.
pub fn share_bps(part: i64, whole: i64) -> Option<u64> {
    if whole <= 0 || part < 0 {
        return None;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    u64::try_from((part * 20_000 + whole) / (2 * whole)).ok()
}

/// `numerator ÷ denominator` rounded half away from zero; `None` when the denominator is 0.
pub fn divide_rounded(numerator: i128, denominator: i128) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (numerator, denominator) =
        if denominator < 0 { (-numerator, -denominator) } else { (numerator, denominator) };
    let half_up = (2 * numerator.abs() + denominator) / (2 * denominator);
    let signed = if numerator < 0 { -half_up } else { half_up };
    i64::try_from(signed).ok()
}

/// The mean of `n` values summing to `sum`, rounded half away from zero; `None` when `n` is 0.
pub fn average(sum: i64, n: u64) -> Option<i64> {
    divide_rounded(i128::from(sum), i128::from(n))
}

/// A UUID as the hyphenated lower-case text the tables store, without a heap allocation.
pub(crate) fn uuid_text<'b>(uuid: &Uuid, buffer: &'b mut [u8; 36]) -> &'b str {
    uuid.hyphenated().encode_lower(buffer)
}

/// A count column (SQLite integers are signed; a count never is).
pub(crate) fn count(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let value: i64 = row.get(index)?;
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(index, value))
}

/// `6250` as `62.50%`; nothing as `-`.
pub fn format_bps(bps: Option<u32>) -> String {
    bps.map_or_else(|| "-".to_owned(), |bps| format!("{}.{:02}%", bps / 100, bps % 100))
}

/// An amount as every text table prints it ([`amount_text`]); nothing as `-`.
pub fn format_minor(amount_minor: Option<i64>) -> String {
    amount_minor.map_or_else(|| "-".to_owned(), amount_text)
}

/// A count or a whole number of days; nothing as `-`.
pub fn format_number(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

/// The first eight characters of a UUID, enough to tell rows apart in a text table.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// How a column of a text table is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A text table: a header line, a rule, then the rows, each column as wide as its widest cell.
pub fn table(headers: &[(&str, Align)], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|(name, _)| name.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for ((cell, width), (_, align)) in cells.zip(&widths).zip(headers) {
            if !text.is_empty() {
                text.push_str("  ");
            }
            let pad = " ".repeat(width - cell.chars().count());
            match align {
                Align::Left => {
                    text.push_str(cell);
                    text.push_str(&pad);
                }
                Align::Right => {
                    text.push_str(&pad);
                    text.push_str(cell);
                }
            }
        }
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    let mut text = line(&mut headers.iter().map(|(name, _)| *name));
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    text.push_str(&line(&mut rule.iter().map(String::as_str)));
    for row in rows {
        text.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_half_up_and_need_a_positive_whole_and_a_part_not_below_zero() {
        assert_eq!(share_bps(1, 3), Some(3_333));
        assert_eq!(share_bps(2, 3), Some(6_667));
        assert_eq!(share_bps(3, 2), Some(15_000));
        assert_eq!(share_bps(5, 0), None);
        assert_eq!(share_bps(5, -1), None);
    }

    #[test]
    fn ratios_round_half_up_once_and_an_empty_denominator_gives_none() {
        assert_eq!(ratio_bps(1, 3), Some(3_333));
        assert_eq!(ratio_bps(2, 3), Some(6_667));
        assert_eq!(ratio_bps(1, 8), Some(1_250));
        assert_eq!(ratio_bps(1, 20_000), Some(1));
        assert_eq!(ratio_bps(0, 0), None);
    }

    #[test]
    fn averages_round_half_away_from_zero() {
        assert_eq!(average(5, 2), Some(3));
        assert_eq!(average(-5, 2), Some(-3));
        assert_eq!(average(4, 3), Some(1));
        assert_eq!(average(7, 0), None);
        assert_eq!(divide_rounded(7, -2), Some(-4));
    }

    #[test]
    fn figures_print_with_two_decimals_and_nothing_prints_as_a_dash() {
        assert_eq!(format_bps(Some(6_250)), "62.50%");
        assert_eq!(format_minor(Some(-123_405)), "-1,234.05");
        assert_eq!(format_minor(None), "-");
        assert_eq!(format_number(Some(12)), "12");
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert!(matches!(DateRange::new(day(2), day(1)), Err(QueryError::InvalidRange { .. })));
        assert_eq!(DateRange::ALL.bounds_text(), ("0001-01-01".into(), "9999-12-31".into()));
    }
}
