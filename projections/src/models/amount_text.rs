//! How every read model's text tables (and `ltc`'s own, and `ltc report`'s charts) group digits,
//! and how they print an amount: major units, two decimals, thousands
//! grouped (`-12,345.06`), exactly from the minor units, so `ltc query forecast` and `ltc query
//! ar-aging` print the same figure alike. The `_minor` columns and the JSON stay the exact
//! integers; a currency with another minor unit is still exact there.

/// `amount_minor` as `1,234.56`.
pub fn amount_text(amount_minor: i64) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    format!("{sign}{}.{:02}", thousands(abs / 100), abs % 100)
}

/// `1234567` as `1,234,567`: counts and major units a person reads at a glance.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::amount_text;

    #[test]
    fn amounts_show_major_units_with_grouped_thousands_and_exact_cents() {
        assert_eq!(amount_text(0), "0.00");
        assert_eq!(amount_text(5), "0.05");
        assert_eq!(amount_text(-5), "-0.05");
        assert_eq!(amount_text(123_456), "1,234.56");
        assert_eq!(amount_text(-1_234_506), "-12,345.06");
        assert_eq!(amount_text(100_000_000), "1,000,000.00");
        assert_eq!(amount_text(i64::MIN), "-92,233,720,368,547,758.08");
    }

    proptest::proptest! {
        #[test]
        fn the_text_without_its_commas_is_the_amount(amount in proptest::num::i64::ANY) {
            let text = amount_text(amount).replace([',', '.'], "");
            proptest::prop_assert_eq!(text.parse::<i128>().unwrap(), i128::from(amount));
        }
    }
}
