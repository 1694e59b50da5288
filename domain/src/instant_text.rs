//! An instant read back from the text chrono wrote for it, without chrono's general parser.
//!
//! chrono writes a `DateTime<Utc>` as `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z` and reads
//! any RFC 3339 text back through a parser that handles every variant of the format. Every event
//! carries an instant, and that parser took ≈ 1,700 instructions to read one: 2.75 % of a
//! rebuild's instructions, all on the thread that reads and decodes the log for every read model
//! (BENCHMARKS.md, "What the 10 s would take"). [`utc`] reads the form chrono writes directly
//! and hands any other text to chrono's parser, so what is accepted, and what instant each text
//! means, is chrono's; the property tests below hold the two equal.
//!
//! Used on event fields as `#[serde(deserialize_with = "crate::instant_text::utc")]`. Only
//! reading changes: the text written, and so the stored events and the JSON schemas, are chrono's.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, ParseError, Utc};
use serde::de::{self, Deserializer, Visitor};

/// Deserializes a `DateTime<Utc>` exactly as chrono's own `Deserialize` does, faster.
pub fn utc<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(UtcVisitor)
}

/// The instant `text` names: chrono's answer for every text, reached directly for the form
/// chrono writes.
pub fn parse_utc(text: &str) -> Result<DateTime<Utc>, ParseError> {
    match written_by_chrono(text.as_bytes()) {
        Some(instant) => Ok(instant),
        None => text.parse::<DateTime<FixedOffset>>().map(|instant| instant.with_timezone(&Utc)),
    }
}

struct UtcVisitor;

impl Visitor<'_> for UtcVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<DateTime<Utc>, E> {
        parse_utc(text).map_err(E::custom)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, optionally with 3, 6 or 9 digits of fraction before the `Z`; `None`
/// for anything else, a leap second, or a date or time that does not exist, which chrono's
/// parser then answers.
fn written_by_chrono(text: &[u8]) -> Option<DateTime<Utc>> {
    const SECONDS_END: usize = "YYYY-MM-DDTHH:MM:SS".len();
    let (&zone, body) = text.split_last()?;
    if zone != b'Z' || body.len() < SECONDS_END {
        return None;
    }
    let (date_time, fraction) = body.split_at(SECONDS_END);
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, separator)| date_time[at] != separator) {
        return None;
    }
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if matches!(digits.len(), 3 | 6 | 9) => {
            number(digits)? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(&date_time[0..4])?).ok()?,
        number(&date_time[5..7])?,
        number(&date_time[8..10])?,
    )?;
    let seconds = number(&date_time[17..19])?;
    if seconds > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(
        number(&date_time[11..13])?,
        number(&date_time[14..16])?,
        seconds,
        nanos,
    )?;
    Some(date.and_time(time).and_utc())
}

/// The decimal number `digits` spell; `None` unless every byte is an ASCII digit. At most nine
/// digits reach here, so the value fits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        digit.is_ascii_digit().then(|| value * 10 + u32::from(digit - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use chrono::SecondsFormat;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    use super::*;

    fn chrono_parse(text: &str) -> Result<DateTime<Utc>, ParseError> {
        text.parse::<DateTime<FixedOffset>>().map(|instant| instant.with_timezone(&Utc))
    }

    fn deserialized(text: &str) -> Result<DateTime<Utc>, ValueError> {
        let deserializer: StrDeserializer<'_, ValueError> = text.into_deserializer();
        utc(deserializer)
    }

    /// Instants from year 0 to 9999 with any nanosecond: every text chrono writes in four year
    /// digits, in each of its fraction lengths.
    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        (-62_167_219_200i64..253_402_300_800, 0u32..1_000_000_000, 0u8..4).prop_map(
            |(seconds, nanos, precision)| {
                let nanos = match precision {
                    0 => 0,
                    1 => nanos / 1_000_000 * 1_000_000,
                    2 => nanos / 1_000 * 1_000,
                    _ => nanos,
                };
                DateTime::from_timestamp(seconds, nanos).expect("the range is within chrono's")
            },
        )
    }

    /// Texts in the shape chrono writes, mostly of dates and times that exist, with the
    /// variants RFC 3339 allows beside it: each field at and just past its bounds (month 13,
    /// day 31 of a short month, hour 24, second 60), a fraction of 0 to 10 digits, `T`, `t` or a
    /// space, and `Z`, `z`, an offset or no zone at all.
    fn near_the_format() -> impl Strategy<Value = String> {
        let date = (0u32..=9_999, 0u32..=13, 0u32..=32);
        let time = (0u32..=24, 0u32..=60, prop_oneof![8 => 0u32..=59, 1 => 60u32..=61]);
        let fraction = prop_oneof![
            4 => Just(String::new()),
            4 => "\\.[0-9]{3}|\\.[0-9]{6}|\\.[0-9]{9}",
            1 => "\\.[0-9]{1,10}",
        ];
        let separator = prop_oneof![8 => Just('T'), 1 => Just('t'), 1 => Just(' ')];
        let zone = prop_oneof![8 => Just("Z".to_owned()), 1 => Just("z".to_owned()), 1 => Just(String::new()), 2 => "[+-](0[0-9]|1[0-4]):[0-5][0-9]"];
        (date, separator, time, fraction, zone).prop_map(
            |((year, month, day), separator, (hour, minute, second), fraction, zone)| {
                format!(
                    "{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}\
                     {fraction}{zone}"
                )
            },
        )
    }

    proptest! {
        #[test]
        fn every_instant_reads_back_from_the_text_chrono_writes_for_it(instant in any_instant()) {
            let text = instant.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            prop_assert_eq!(written_by_chrono(text.as_bytes()), Some(instant), "{}", text);
            prop_assert_eq!(deserialized(&text).ok(), Some(instant));
        }

        #[test]
        fn any_text_near_the_format_means_what_chrono_says_it_means(text in near_the_format()) {
            match (parse_utc(&text), chrono_parse(&text)) {
                (Ok(ours), Ok(chronos)) => prop_assert_eq!(ours, chronos),
                (Err(_), Err(_)) => {}
                (ours, chronos) => prop_assert!(false, "{text}: {ours:?} against chrono's {chronos:?}"),
            }
        }

        #[test]
        fn any_text_at_all_means_what_chrono_says_it_means(text in "\\PC{0,32}") {
            prop_assert_eq!(parse_utc(&text).ok(), chrono_parse(&text).ok());
        }
    }

    #[test]
    fn texts_the_fast_path_leaves_to_chrono_are_still_read() {
        // A leap second, another offset, a lower-case separator, a fraction of other length.
        for text in [
            "2016-12-31T23:59:60Z",
            "2026-01-06T10:08:26+01:00",
            "2026-01-06t09:08:26z",
            "2026-01-06T09:08:26.5Z",
        ] {
            assert_eq!(written_by_chrono(text.as_bytes()), None, "{text}");
            assert_eq!(parse_utc(text).ok(), chrono_parse(text).ok(), "{text}");
            assert!(parse_utc(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn a_date_that_does_not_exist_is_chronos_error() {
        let error = deserialized("2026-02-30T09:08:26Z").unwrap_err();
        let chronos = chrono_parse("2026-02-30T09:08:26Z").unwrap_err();
        assert_eq!(error.to_string(), chronos.to_string());
    }
}
