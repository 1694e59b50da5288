//! Money: integer minor units with an ISO 4217 currency, and rates in basis points. There is no
//! floating point anywhere near an amount; every rounding is explicit and named.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An ISO 4217 code such as `EUR`: three uppercase ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn new(code: &str) -> Result<Currency, MoneyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(MoneyError::InvalidCurrency(code.chars().take(8).collect())),
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII uppercase letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;

    fn try_from(code: String) -> Result<Currency, MoneyError> {
        Currency::new(&code)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.code().to_owned()
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

// Written by hand because the JSON form is the code as a string (`try_from`/`into` above), and
// the schema should say which strings `Currency::new` accepts, not just "a string".
impl JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An ISO 4217 code such as `EUR`: three uppercase ASCII letters.",
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "examples": ["EUR"],
        })
    }
}

/// A rate in basis points: 10,000 bps = 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Bps(pub u32);

impl Bps {
    pub const ZERO: Bps = Bps(0);
    pub const HUNDRED_PERCENT: Bps = Bps(10_000);
}

impl fmt::Display for Bps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} %", self.0 / 100, self.0 % 100)
    }
}

/// An amount of one currency, in its minor unit (cents for EUR, yen for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Money {
        Money { amount_minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount_minor: 0, currency }
    }

    pub fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount_minor =
            self.amount_minor.checked_add(other.amount_minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { amount_minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount_minor =
            self.amount_minor.checked_sub(other.amount_minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { amount_minor, ..self })
    }

    /// `self × rate`, rounded half away from zero to the minor unit (commercial rounding).
    pub fn times_bps(self, rate: Bps) -> Result<Money, MoneyError> {
        let product = i128::from(self.amount_minor) * i128::from(rate.0);
        let half = 5_000 * product.signum();
        let amount_minor =
            i64::try_from((product + half) / 10_000).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { amount_minor, ..self })
    }

    /// Splits the amount into parts by shares that add up to 100 %, such as an instalment
    /// schedule of 30 % and 70 %. Each part is rounded down to the minor unit and the cents left
    /// over go to the first parts, one each, so the parts always add up to exactly `self`.
    pub fn allocate(self, shares: &[Bps]) -> Result<Vec<Money>, MoneyError> {
        let total_bps: u64 = shares.iter().map(|share| u64::from(share.0)).sum();
        if shares.is_empty() || total_bps != u64::from(Bps::HUNDRED_PERCENT.0) {
            return Err(MoneyError::SharesNotWhole { total_bps });
        }
        let amount = i128::from(self.amount_minor);
        let mut parts: Vec<i128> =
            shares.iter().map(|share| amount * i128::from(share.0) / 10_000).collect();
        let mut left_over = amount - parts.iter().sum::<i128>();
        for part in parts.iter_mut() {
            if left_over == 0 {
                break;
            }
            let step = left_over.signum();
            *part += step;
            left_over -= step;
        }
        parts
            .into_iter()
            .map(|part| {
                let amount_minor = i64::try_from(part).map_err(|_| MoneyError::Overflow)?;
                Ok(Money { amount_minor, ..self })
            })
            .collect()
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Money {
    /// Shown with two decimals; currencies with another minor unit are shown in minor units
    /// by `amount_minor` where exactness matters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MoneyError {
    /// Amounts of two currencies were combined; a command must carry a rate to convert.
    #[error("cannot combine {left} with {right} without an exchange rate")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount out of range")]
    Overflow,
    #[error("{0:?} is not an ISO 4217 currency code")]
    InvalidCurrency(String),
    /// Shares of an amount must add up to exactly 100 % (10,000 bps).
    #[error("shares add up to {total_bps} bps, not 10000")]
    SharesNotWhole { total_bps: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(amount_minor: i64) -> Money {
        Money::new(amount_minor, Currency::new("EUR").unwrap())
    }

    #[test]
    fn currency_codes_are_three_uppercase_letters() {
        assert_eq!(Currency::new("EUR").unwrap().code(), "EUR");
        for bad in ["eur", "EURO", "EU", "", "E1R", "ÉUR"] {
            assert!(Currency::new(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn adding_two_currencies_is_refused() {
        let usd = Money::new(100, Currency::new("USD").unwrap());
        assert!(matches!(eur(100).checked_add(usd), Err(MoneyError::CurrencyMismatch { .. })));
        assert_eq!(eur(100).checked_add(eur(250)), Ok(eur(350)));
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
    }

    #[test]
    fn basis_points_round_half_away_from_zero() {
        assert_eq!(eur(1_000).times_bps(Bps(1_250)), Ok(eur(125)));
        assert_eq!(eur(5).times_bps(Bps(1_000)), Ok(eur(1)), "0.5 rounds up");
        assert_eq!(eur(-5).times_bps(Bps(1_000)), Ok(eur(-1)), "-0.5 rounds away from zero");
        assert_eq!(eur(4).times_bps(Bps(1_000)), Ok(eur(0)), "0.4 rounds down");
        assert_eq!(eur(i64::MAX).times_bps(Bps::HUNDRED_PERCENT), Ok(eur(i64::MAX)));
    }

    #[test]
    fn allocation_hands_out_left_over_cents_to_the_first_parts() {
        let thirds = [Bps(3_334), Bps(3_333), Bps(3_333)];
        assert_eq!(eur(100).allocate(&thirds), Ok(vec![eur(34), eur(33), eur(33)]));
        assert_eq!(eur(1_000).allocate(&[Bps(3_000), Bps(7_000)]), Ok(vec![eur(300), eur(700)]));
        assert_eq!(eur(-101).allocate(&[Bps(5_000), Bps(5_000)]), Ok(vec![eur(-51), eur(-50)]));
        assert_eq!(
            eur(100).allocate(&[Bps(5_000)]),
            Err(MoneyError::SharesNotWhole { total_bps: 5_000 })
        );
    }

    proptest::proptest! {
        #[test]
        fn allocated_parts_always_add_up_to_the_whole(
            amount_minor in -1_000_000_000_000i64..1_000_000_000_000,
            cuts in proptest::collection::vec(1u32..10_000, 0..6),
        ) {
            let mut points: Vec<u32> = cuts;
            points.sort_unstable();
            points.dedup();
            let mut shares = Vec::new();
            let mut previous = 0;
            for point in points.into_iter().chain([10_000]) {
                shares.push(Bps(point - previous));
                previous = point;
            }
            let parts = eur(amount_minor).allocate(&shares).unwrap();
            proptest::prop_assert_eq!(parts.iter().map(|part| part.amount_minor).sum::<i64>(), amount_minor);
        }
    }

    #[test]
    fn money_prints_with_two_decimals_and_its_currency() {
        assert_eq!(eur(123_456).to_string(), "1234.56 EUR");
        assert_eq!(eur(-5).to_string(), "-0.05 EUR");
        assert_eq!(Bps(1_250).to_string(), "12.50 %");
    }
}
