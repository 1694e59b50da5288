//! Normalisation of the keys leads are matched on: email, phone, company domain, company name and
//! the industry and region keys. Pure and public, because the shell computes the same keys to look
//! up duplicates across streams before it sends a capture; if the two disagreed, duplicates would
//! slip through. Every function here is idempotent: normalising a normalised value changes
//! nothing.

/// Free-mail providers: an address there says nothing about the company, so no company domain is
/// taken from it.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "163.com",
    "126.com",
];

/// The longest email address (RFC 5321's path limit), in bytes.
pub const EMAIL_BYTES_MAX: usize = 254;
/// The fewest and most digits of a phone number; 15 is E.164's limit.
pub const PHONE_DIGITS_MIN: usize = 5;
pub const PHONE_DIGITS_MAX: usize = 15;

/// Trimmed and lowercased. Validity is a separate question: see [`is_valid_email`].
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A normalised address has one `@`, a non-empty local part, a domain with a dot that neither
/// starts nor ends it, no whitespace, and at most [`EMAIL_BYTES_MAX`] bytes.
pub fn is_valid_email(normalized: &str) -> bool {
    let Some((local, domain)) = normalized.split_once('@') else {
        return false;
    };
    normalized.len() <= EMAIL_BYTES_MAX
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !normalized.chars().any(char::is_whitespace)
}

/// Digits only, with a leading `+` when the number is given in international form (`+44 …` or
/// `0044 …`). An international number's `(0)` trunk prefix is dropped (`+44 (0)20` dials as
/// `+4420`); everything from the first letter, `#`, `;` or `,` on is an extension and is dropped
/// (`555-1234 ext. 12`). No digits at all gives the empty string.
pub fn normalize_phone(raw: &str) -> String {
    let main = raw
        .split(|c: char| c.is_alphabetic() || matches!(c, '#' | ';' | ','))
        .next()
        .unwrap_or_default();
    let compact: String = main.chars().filter(|c| !c.is_whitespace()).collect();
    let plus = compact.starts_with('+');
    let without_trunk = if plus { compact.replace("(0)", "") } else { compact };
    let digits: String = without_trunk.chars().filter(char::is_ascii_digit).collect();
    let (international, digits) = match digits.strip_prefix("00") {
        Some(rest) if !plus => (true, rest),
        _ => (plus, digits.as_str()),
    };
    match (digits.is_empty(), international) {
        (true, _) => String::new(),
        (false, true) => format!("+{digits}"),
        (false, false) => digits.to_owned(),
    }
}

/// A normalised number has [`PHONE_DIGITS_MIN`] to [`PHONE_DIGITS_MAX`] digits.
pub fn is_valid_phone(normalized: &str) -> bool {
    let n_digits = normalized.trim_start_matches('+').len();
    (PHONE_DIGITS_MIN..=PHONE_DIGITS_MAX).contains(&n_digits)
}

/// The bare host of a website, URL or email address: lowercase, without whitespace, scheme,
/// user, path, query, fragment, port, leading `www.` or stray dots. `https://www.ACME.com/about`
/// and `sales@acme.com` both give `acme.com`.
pub fn normalize_domain(raw: &str) -> String {
    let lower: String =
        raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let after_scheme = lower.split_once("://").map_or(lower.as_str(), |(_, rest)| rest);
    let host_part = after_scheme.split(['/', '?', '#']).next().unwrap_or_default();
    let after_user = host_part.rsplit_once('@').map_or(host_part, |(_, host)| host);
    let mut host = after_user.split(':').next().unwrap_or_default();
    // Repeated so that `www.www.` and dots exposed by the strip are gone in one pass, which is
    // what makes this idempotent.
    loop {
        host = host.trim_matches('.');
        match host.strip_prefix("www.") {
            Some(rest) => host = rest,
            None => break,
        }
    }
    host.to_owned()
}

/// The company domain to match on: the website's, or else the email's unless it is a free-mail
/// provider. `None` when neither gives a non-empty domain.
pub fn company_domain(website: Option<&str>, email: Option<&str>) -> Option<String> {
    let from_website = website.map(normalize_domain).filter(|domain| !domain.is_empty());
    from_website.or_else(|| {
        let email = normalize_email(email?);
        let (_, domain) = email.rsplit_once('@')?;
        let domain = normalize_domain(domain);
        (!domain.is_empty() && !FREE_MAIL_DOMAINS.contains(&domain.as_str())).then_some(domain)
    })
}

/// A company name as a matching key: lowercase, whitespace runs collapsed to one space, trimmed.
/// `  ACME   Corp ` and `acme corp` are the same company.
pub fn normalize_company_name(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// An industry or region key such as `software` or `emea`: the same rule as a company name, so
/// `  EMEA ` matches an assignment rule for `emea`.
pub fn normalize_key(raw: &str) -> String {
    normalize_company_name(raw)
}

/// The normalised keys the shell looks duplicates up by: a captured lead is a duplicate of an
/// existing one with the same email, or the same phone, or the same company domain and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKeys {
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Company domain and normalised company name, only when both are known.
    pub company: Option<(String, String)>,
}

/// The keys of a lead's contact and company data, from the raw values a capture carries.
pub fn duplicate_keys(
    email: Option<&str>,
    phone: Option<&str>,
    company_name: Option<&str>,
    website: Option<&str>,
) -> DuplicateKeys {
    let email = email.map(normalize_email).filter(|email| !email.is_empty());
    let phone = phone.map(normalize_phone).filter(|phone| !phone.is_empty());
    let name = company_name.map(normalize_company_name).filter(|name| !name.is_empty());
    let domain = company_domain(website, email.as_deref());
    DuplicateKeys { email, phone, company: domain.zip(name) }
}
