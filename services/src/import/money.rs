//! Money columns: the decimal text a spreadsheet holds ("1,234.50") to integer minor units of a
//! currency (123450 cents), exactly and never through a float.
//!
//! A number is read with one decimal separator (`.` unless the mapping says `,`); the other of
//! the two, and spaces, may only group the integer part in threes. Anything a reader could take
//! two ways is refused with the reason rather than guessed: more decimals than the currency has
//! ("1.234" for EUR is a thousand to a German reader, one euro and 23.4 cents to a program), two
//! decimal separators, groups that are not threes, a currency code that is not the row's.

use ltc_domain::money::{Currency, Money};

/// Which character separates the decimals; the other of `.` and `,` groups thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalSeparator {
    #[default]
    Point,
    Comma,
}

impl DecimalSeparator {
    fn decimal(self) -> char {
        match self {
            DecimalSeparator::Point => '.',
            DecimalSeparator::Comma => ',',
        }
    }

    fn grouping(self) -> char {
        match self {
            DecimalSeparator::Point => ',',
            DecimalSeparator::Comma => '.',
        }
    }
}

/// Why a money cell was refused. The message is what the row report shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyTextError {
    #[error("{0:?} is not an amount: no digits")]
    NoDigits(String),
    #[error("{text:?} is not an amount: unexpected {found:?}")]
    UnexpectedCharacter { text: String, found: char },
    #[error("{0:?} is ambiguous: more than one decimal separator")]
    TwoDecimalSeparators(String),
    #[error(
        "{text:?} is ambiguous: {found} digits after {separator:?}, but {currency} has \
         {allowed}; if {separator:?} groups thousands in this file, set the mapping's \
         decimal_separator"
    )]
    TooManyDecimals {
        text: String,
        separator: char,
        found: usize,
        allowed: u32,
        currency: Currency,
    },
    #[error("{0:?} is ambiguous: thousands must be grouped in threes")]
    BadGrouping(String),
    #[error("{text:?} names {found}, but the row's currency is {expected}")]
    OtherCurrency { text: String, found: String, expected: Currency },
    #[error("{0:?} is too large")]
    TooLarge(String),
}

/// Digits after the decimal point in `currency`'s minor unit (ISO 4217): 0 for the yen, 3 for
/// the dinars, 2 for the rest.
pub fn minor_digits(currency: Currency) -> u32 {
    match currency.code() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Reads `text` as an amount of `currency`. A leading or trailing ISO code is allowed if it is
/// `currency`'s; a leading `-` or `+` gives the sign (the aggregate decides whether a negative
/// amount is allowed).
pub fn parse_money(
    text: &str,
    currency: Currency,
    separator: DecimalSeparator,
) -> Result<Money, MoneyTextError> {
    let whole = text.trim();
    let number = strip_currency_code(whole, currency)?;
    let (negative, unsigned) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let mut parts = unsigned.split(separator.decimal());
    let integer = parts.next().unwrap_or_default();
    let fraction = parts.next();
    if parts.next().is_some() {
        return Err(MoneyTextError::TwoDecimalSeparators(whole.to_owned()));
    }
    let integer_digits = integer_digits(integer, whole, separator)?;
    let fraction_digits = fraction.unwrap_or_default();
    if let Some(found) = fraction_digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(MoneyTextError::UnexpectedCharacter { text: whole.to_owned(), found });
    }
    if integer_digits.is_empty() && fraction_digits.is_empty() {
        return Err(MoneyTextError::NoDigits(whole.to_owned()));
    }
    let allowed = minor_digits(currency);
    if fraction_digits.len() > allowed as usize {
        return Err(MoneyTextError::TooManyDecimals {
            text: whole.to_owned(),
            separator: separator.decimal(),
            found: fraction_digits.len(),
            allowed,
            currency,
        });
    }
    let too_large = || MoneyTextError::TooLarge(whole.to_owned());
    let mut minor: i64 = 0;
    for digit in integer_digits.chars().chain(fraction_digits.chars()) {
        let value = i64::from(digit.to_digit(10).expect("checked to be an ASCII digit"));
        minor = minor.checked_mul(10).and_then(|m| m.checked_add(value)).ok_or_else(too_large)?;
    }
    for _ in fraction_digits.len()..allowed as usize {
        minor = minor.checked_mul(10).ok_or_else(too_large)?;
    }
    Ok(Money::new(if negative { -minor } else { minor }, currency))
}

/// The text without a leading or trailing three-letter code, which must be `currency`'s.
fn strip_currency_code(text: &str, currency: Currency) -> Result<&str, MoneyTextError> {
    let is_code = |code: &str| code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic());
    let (code, rest) = if text.len() > 3 && text.is_char_boundary(3) && is_code(&text[..3]) {
        (&text[..3], &text[3..])
    } else if text.len() > 3
        && text.is_char_boundary(text.len() - 3)
        && is_code(&text[text.len() - 3..])
    {
        (&text[text.len() - 3..], &text[..text.len() - 3])
    } else {
        return Ok(text);
    };
    if !code.eq_ignore_ascii_case(currency.code()) {
        return Err(MoneyTextError::OtherCurrency {
            text: text.to_owned(),
            found: code.to_owned(),
            expected: currency,
        });
    }
    Ok(rest.trim())
}

/// The integer part's digits, its thousands groups checked and removed.
fn integer_digits(
    integer: &str,
    whole: &str,
    separator: DecimalSeparator,
) -> Result<String, MoneyTextError> {
    let is_group_mark =
        |c: char| c == separator.grouping() || matches!(c, ' ' | '\u{a0}' | '\u{202f}');
    if let Some(found) = integer.chars().find(|&c| !c.is_ascii_digit() && !is_group_mark(c)) {
        return Err(MoneyTextError::UnexpectedCharacter { text: whole.to_owned(), found });
    }
    if !integer.chars().any(is_group_mark) {
        return Ok(integer.to_owned());
    }
    let groups: Vec<&str> = integer.split(is_group_mark).collect();
    let marks: std::collections::BTreeSet<char> =
        integer.chars().filter(|&c| is_group_mark(c)).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|group| group.len() == 3);
    if marks.len() != 1 || !first_ok || !rest_ok {
        return Err(MoneyTextError::BadGrouping(whole.to_owned()));
    }
    Ok(groups.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::new("EUR").unwrap()
    }

    fn minor(text: &str, code: &str, separator: DecimalSeparator) -> Result<i64, MoneyTextError> {
        parse_money(text, Currency::new(code).unwrap(), separator).map(|money| money.amount_minor)
    }

    #[test]
    fn decimal_text_becomes_exact_minor_units() {
        let point = DecimalSeparator::Point;
        assert_eq!(minor("1,234.50", "EUR", point), Ok(123_450));
        assert_eq!(minor("1234.5", "EUR", point), Ok(123_450));
        assert_eq!(minor("  1234 ", "EUR", point), Ok(123_400));
        assert_eq!(minor("0.01", "EUR", point), Ok(1));
        assert_eq!(minor("-12.30", "EUR", point), Ok(-1230));
        assert_eq!(minor("1 234 567.89", "EUR", point), Ok(123_456_789));
        assert_eq!(minor("EUR 99.99", "EUR", point), Ok(9999));
        assert_eq!(minor("99.99 eur", "EUR", point), Ok(9999));
        assert_eq!(minor("1.234,50", "EUR", DecimalSeparator::Comma), Ok(123_450));
        assert_eq!(minor("1,234", "JPY", point), Ok(1234));
        assert_eq!(minor("1.234", "KWD", point), Ok(1234));
        // 0.1 + 0.2 is not 0.30000000000000004 here.
        assert_eq!(minor("0.30", "EUR", point), Ok(30));
        assert_eq!(minor("92233720368547758.07", "EUR", point), Ok(i64::MAX));
    }

    #[test]
    fn text_a_reader_could_take_two_ways_is_refused_with_the_reason() {
        let point = DecimalSeparator::Point;
        let error = minor("1.234", "EUR", point).unwrap_err();
        assert!(matches!(error, MoneyTextError::TooManyDecimals { found: 3, allowed: 2, .. }));
        assert!(error.to_string().contains("decimal_separator"), "{error}");
        assert!(matches!(
            minor("12.500", "EUR", point),
            Err(MoneyTextError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            minor("1,234", "EUR", DecimalSeparator::Comma),
            Err(MoneyTextError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            minor("5", "JPY", point).and(minor("5.0", "JPY", point)),
            Err(MoneyTextError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            minor("1.234.567", "EUR", point),
            Err(MoneyTextError::TwoDecimalSeparators(_))
        ));
        assert!(matches!(minor("12,34.50", "EUR", point), Err(MoneyTextError::BadGrouping(_))));
        assert!(matches!(minor("1,234 567.00", "EUR", point), Err(MoneyTextError::BadGrouping(_))));
        assert!(matches!(minor("1234,", "EUR", point), Err(MoneyTextError::BadGrouping(_))));
    }

    #[test]
    fn what_is_not_a_number_of_this_currency_is_refused() {
        let point = DecimalSeparator::Point;
        assert!(matches!(minor("", "EUR", point), Err(MoneyTextError::NoDigits(_))));
        assert!(matches!(minor("-", "EUR", point), Err(MoneyTextError::NoDigits(_))));
        assert!(matches!(
            minor("€12", "EUR", point),
            Err(MoneyTextError::UnexpectedCharacter { found: '€', .. })
        ));
        assert!(matches!(
            minor("1e5", "EUR", point),
            Err(MoneyTextError::UnexpectedCharacter { found: 'e', .. })
        ));
        assert!(matches!(minor("12 USD", "EUR", point), Err(MoneyTextError::OtherCurrency { .. })));
        assert!(matches!(
            minor("92233720368547758.08", "EUR", point),
            Err(MoneyTextError::TooLarge(_))
        ));
        assert_eq!(parse_money("7", eur(), point).unwrap().currency, eur());
    }
}
