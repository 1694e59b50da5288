//! Normalisation of messy input, and its idempotence over any input.

use proptest::prelude::*;

use crate::lead::normalize::*;

#[test]
fn emails_are_trimmed_and_lowercased_and_checked_for_shape() {
    assert_eq!(normalize_email("  Ada.Lovelace@Example.COM \t"), "ada.lovelace@example.com");
    assert!(is_valid_email("ada@example.com"));
    for invalid in ["", "ada", "ada@", "@example.com", "ada@example", "a@b@c.com", "ada @x.com"] {
        assert!(!is_valid_email(invalid), "{invalid:?} is not an address");
    }
    assert!(!is_valid_email(&format!("{}@example.com", "a".repeat(EMAIL_BYTES_MAX))));
}

#[test]
fn messy_phone_numbers_become_digits_with_a_plus_only_when_international() {
    let cases = [
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("(555) 123-4567", "5551234567"),
        ("555.123.4567 ext. 89", "5551234567"),
        ("+1-555-123-4567 x12", "+15551234567"),
        ("030 1234567 # reception", "0301234567"),
        (" + 49 (30) 123 45 67 ", "+49301234567"),
        ("tel: 123", ""),
        ("", ""),
        ("+", ""),
        ("00", ""),
    ];
    for (raw, expected) in cases {
        assert_eq!(normalize_phone(raw), expected, "normalising {raw:?}");
    }
    assert!(is_valid_phone("+442079460958"));
    assert!(!is_valid_phone("+1234"));
    assert!(!is_valid_phone("1234567890123456"));
}

#[test]
fn domains_lose_scheme_www_path_port_user_and_case() {
    let cases = [
        ("https://www.Example.com/contact?x=1", "example.com"),
        ("http://example.com:8080", "example.com"),
        ("WWW.example.co.uk.", "example.co.uk"),
        ("www.www.example.com", "example.com"),
        ("sales@Example.com", "example.com"),
        ("  example .com ", "example.com"),
        ("ftp://user:pw@files.example.com/x", "files.example.com"),
    ];
    for (raw, expected) in cases {
        assert_eq!(normalize_domain(raw), expected, "normalising {raw:?}");
    }
}

#[test]
fn the_company_domain_prefers_the_website_and_skips_free_mail() {
    assert_eq!(company_domain(Some("acme.com"), Some("a@b.org")).as_deref(), Some("acme.com"));
    assert_eq!(company_domain(Some(" / "), Some("a@B.org")).as_deref(), Some("b.org"));
    assert_eq!(company_domain(None, Some("someone@GMAIL.com")), None);
    assert_eq!(company_domain(None, None), None);
}

#[test]
fn duplicate_keys_are_the_normalised_email_phone_and_domain_with_name() {
    let keys = duplicate_keys(
        Some(" ADA@acme.com"),
        Some("+1 (555) 010-0000"),
        Some("  ACME   Corp "),
        None,
    );
    assert_eq!(
        keys,
        DuplicateKeys {
            email: Some("ada@acme.com".into()),
            phone: Some("+15550100000".into()),
            company: Some(("acme.com".into(), "acme corp".into())),
        }
    );
    let without_name = duplicate_keys(Some("ada@acme.com"), None, Some(" "), None);
    assert_eq!(without_name.company, None);
    assert_eq!(without_name.phone, None);
}

/// Phone-like text: digits, separators, pluses, parentheses, letters for extensions.
fn phone_like() -> impl Strategy<Value = String> {
    "[0-9 +()\\-.#;,xext]{0,30}"
}

/// URL-like text from the pieces the normalisation strips, in any order and repetition.
fn domain_like() -> impl Strategy<Value = String> {
    let pieces = vec![
        "www.", "WWW.", "http://", "https://", ".", "/", "@", ":", "?", "#", " ", "example", "com",
        "8080",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn normalising_an_email_twice_changes_nothing(raw in any::<String>()) {
        let once = normalize_email(&raw);
        prop_assert_eq!(normalize_email(&once), once);
    }

    #[test]
    fn normalising_a_phone_twice_changes_nothing(raw in prop_oneof![phone_like(), any::<String>()]) {
        let once = normalize_phone(&raw);
        prop_assert_eq!(normalize_phone(&once), once.clone());
        prop_assert!(once.chars().enumerate().all(|(index, c)| c.is_ascii_digit() || (index == 0 && c == '+')));
    }

    #[test]
    fn normalising_a_domain_twice_changes_nothing(raw in prop_oneof![domain_like(), any::<String>()]) {
        let once = normalize_domain(&raw);
        prop_assert_eq!(normalize_domain(&once), once);
    }

    #[test]
    fn normalising_a_company_name_or_key_twice_changes_nothing(raw in any::<String>()) {
        let once = normalize_company_name(&raw);
        prop_assert_eq!(normalize_company_name(&once), once.clone());
        prop_assert_eq!(normalize_key(&once), once);
    }
}
