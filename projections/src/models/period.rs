//! Reporting periods. A period is stored as a sortable text key (`2026-03`, `2026-Q1`), so a BI
//! tool groups and orders by it without knowing ltc, and a date always falls in exactly one.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Quarter,
}

impl Period {
    /// The key of the period `date` falls in: `2026-03` for a month, `2026-Q1` for a quarter.
    pub fn key(self, date: NaiveDate) -> String {
        match self {
            Period::Month => format!("{:04}-{:02}", date.year(), date.month()),
            Period::Quarter => format!("{:04}-Q{}", date.year(), date.month0() / 3 + 1),
        }
    }

    /// The first and last day of the period with this key, or `None` for a malformed key.
    pub fn bounds(key: &str) -> Option<(Period, NaiveDate, NaiveDate)> {
        let (year, rest) = key.split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let (period, first_month, months) = match rest.strip_prefix('Q') {
            Some(quarter) => {
                let quarter: u32 = quarter.parse().ok()?;
                if !(1..=4).contains(&quarter) {
                    return None;
                }
                (Period::Quarter, 3 * (quarter - 1) + 1, 3)
            }
            None => (Period::Month, rest.parse().ok().filter(|month| (1..=12).contains(month))?, 1),
        };
        let first = NaiveDate::from_ymd_opt(year, first_month, 1)?;
        let next = first.checked_add_months(chrono::Months::new(months))?;
        Some((period, first, next.pred_opt()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn a_date_falls_in_one_month_and_one_quarter_whose_keys_sort_in_time_order() {
        assert_eq!(Period::Month.key(day(2026, 3, 31)), "2026-03");
        assert_eq!(Period::Quarter.key(day(2026, 3, 31)), "2026-Q1");
        assert_eq!(Period::Quarter.key(day(2026, 10, 1)), "2026-Q4");
        assert!(Period::Month.key(day(2026, 9, 1)) < Period::Month.key(day(2026, 10, 1)));
    }

    #[test]
    fn a_key_gives_back_its_first_and_last_day_and_a_malformed_one_nothing() {
        assert_eq!(
            Period::bounds("2026-Q4"),
            Some((Period::Quarter, day(2026, 10, 1), day(2026, 12, 31)))
        );
        assert_eq!(
            Period::bounds("2026-02"),
            Some((Period::Month, day(2026, 2, 1), day(2026, 2, 28)))
        );
        for bad in ["2026-Q5", "2026-13", "2026", "Q1-2026", "2026-Q"] {
            assert_eq!(Period::bounds(bad), None, "{bad}");
        }
    }
}
