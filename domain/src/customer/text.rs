//! Checks on the customer's free text: names, emails, phone numbers and tags. Each is bounded,
//! and emails and phone numbers have just enough shape to catch a field pasted into the wrong box.

use super::CustomerError;

/// The longest name, industry, region or contact role, in bytes.
pub const TEXT_BYTES_MAX: u32 = 256;
/// The longest email address, in bytes (RFC 5321's path limit).
pub const EMAIL_BYTES_MAX: u32 = 254;
/// The longest phone number, in bytes.
pub const PHONE_BYTES_MAX: u32 = 32;
/// The longest tag, in bytes.
pub const TAG_BYTES_MAX: u32 = 32;

pub(super) fn check_text(field: &'static str, text: &str) -> Result<(), CustomerError> {
    if text.trim().is_empty() || text.len() > TEXT_BYTES_MAX as usize {
        return Err(CustomerError::Text { field, bytes_max: TEXT_BYTES_MAX });
    }
    Ok(())
}

/// `local@domain` with a dot in the domain, no whitespace, at most `EMAIL_BYTES_MAX` bytes.
pub(super) fn check_email(email: &str) -> Result<(), CustomerError> {
    let invalid = || CustomerError::InvalidEmail(email.chars().take(64).collect());
    if email.len() > EMAIL_BYTES_MAX as usize || email.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let Some((local, domain)) = email.split_once('@') else { return Err(invalid()) };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@');
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(())
}

/// Digits and the usual separators, with at least one digit.
pub(super) fn check_phone(phone: &str) -> Result<(), CustomerError> {
    let allowed = |c: char| c.is_ascii_digit() || " +-()./".contains(c);
    let has_digit = phone.chars().any(|c| c.is_ascii_digit());
    if phone.len() > PHONE_BYTES_MAX as usize || !has_digit || !phone.chars().all(allowed) {
        return Err(CustomerError::InvalidPhone(phone.chars().take(64).collect()));
    }
    Ok(())
}

pub(super) fn check_tag(tag: &str) -> Result<(), CustomerError> {
    let well_formed = !tag.is_empty()
        && tag.len() <= TAG_BYTES_MAX as usize
        && tag.trim() == tag
        && !tag.chars().any(char::is_control);
    if !well_formed {
        return Err(CustomerError::InvalidTag(tag.chars().take(64).collect()));
    }
    Ok(())
}
