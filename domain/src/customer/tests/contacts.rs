//! Adding and updating a customer's contacts.

use super::*;

fn add(n: u128, contact: Contact) -> CustomerCommand {
    CustomerCommand::AddContact { contact_id: contact_id(n), contact }
}

fn update(n: u128, contact: Contact) -> CustomerCommand {
    CustomerCommand::UpdateContact { contact_id: contact_id(n), contact }
}

fn grace() -> Contact {
    Contact {
        name: "Grace Hopper".into(),
        email: "grace@acme.example".into(),
        phone: None,
        role: "Head of IT".into(),
    }
}

#[test]
fn adding_a_contact_records_it_and_a_repeat_records_nothing() {
    check(&[created()], add(1, ada()), rep(ALICE), Ok(vec![contact_added(1, ada())]));
    let history = [created(), contact_added(1, ada())];
    check(&history, add(1, ada()), rep(ALICE), Ok(vec![]));
    assert_eq!(customer_after(&history).contact(contact_id(1)), Some(&ada()));
}

#[test]
fn adding_under_a_taken_id_with_other_details_is_rejected() {
    let history = [created(), contact_added(1, ada())];
    check(&history, add(1, grace()), rep(ALICE), Err(CustomerError::ContactExists(contact_id(1))));
}

#[test]
fn an_email_names_one_contact_whatever_its_case() {
    let history = [created(), contact_added(1, ada())];
    let same_email = Contact { email: "ADA@acme.example".into(), ..grace() };
    check(
        &history,
        add(2, same_email),
        rep(ALICE),
        Err(CustomerError::DuplicateEmail(contact_id(1))),
    );
}

#[test]
fn updating_a_contact_replaces_its_details_and_an_unchanged_one_records_nothing() {
    let history = [created(), contact_added(1, ada())];
    let promoted = Contact { role: "CEO".into(), phone: None, ..ada() };
    let expected =
        CustomerEvent::ContactUpdated { contact_id: contact_id(1), contact: promoted.clone() };
    check(&history, update(1, promoted.clone()), rep(ALICE), Ok(vec![expected.clone()]));
    check(&history, update(1, ada()), rep(ALICE), Ok(vec![]));
    let after = customer_after(&[created(), contact_added(1, ada()), expected]);
    assert_eq!(after.contacts, vec![(contact_id(1), promoted)]);
}

#[test]
fn updating_an_unknown_contact_or_to_another_contacts_email_is_rejected() {
    let history = [created(), contact_added(1, ada()), contact_added(2, grace())];
    check(
        &history,
        update(3, ada()),
        rep(ALICE),
        Err(CustomerError::UnknownContact(contact_id(3))),
    );
    let taken = Contact { email: "grace@acme.example".into(), ..ada() };
    check(
        &history,
        update(1, taken),
        rep(ALICE),
        Err(CustomerError::DuplicateEmail(contact_id(2))),
    );
}

#[test]
fn malformed_contact_details_are_rejected() {
    let long = "x".repeat(TEXT_BYTES_MAX as usize + 1);
    let text = |field| Err(CustomerError::Text { field, bytes_max: TEXT_BYTES_MAX });
    check(
        &[created()],
        add(1, Contact { name: " ".into(), ..ada() }),
        rep(ALICE),
        text("contact name"),
    );
    check(&[created()], add(1, Contact { role: long, ..ada() }), rep(ALICE), text("contact role"));
    let too_long_email = format!("{}@acme.example", "a".repeat(EMAIL_BYTES_MAX as usize));
    for email in [
        "ada",
        "ada@",
        "@acme.example",
        "ada@acme",
        "ada @acme.example",
        "a@b@c.de",
        &too_long_email,
    ] {
        let contact = Contact { email: email.into(), ..ada() };
        let expected = CustomerError::InvalidEmail(email.chars().take(64).collect());
        check(&[created()], add(1, contact), rep(ALICE), Err(expected));
    }
    for phone in ["call me", "+49 (30) 12a", "", &"1".repeat(PHONE_BYTES_MAX as usize + 1)] {
        let contact = Contact { phone: Some(phone.into()), ..ada() };
        let expected = CustomerError::InvalidPhone(phone.chars().take(64).collect());
        check(&[created()], add(1, contact), rep(ALICE), Err(expected));
    }
}

#[test]
fn a_customer_has_at_most_contacts_max_contacts() {
    let mut history = vec![created()];
    history.extend(
        (0..u128::from(CONTACTS_MAX)).map(|n| {
            contact_added(100 + n, Contact { email: format!("c{n}@acme.example"), ..ada() })
        }),
    );
    check(&history, add(1, grace()), rep(ALICE), Err(CustomerError::TooManyContacts));
}

#[test]
fn the_account_team_or_an_admin_manages_contacts_and_no_one_else() {
    let expected = || Ok(vec![contact_added(1, ada())]);
    check(&[created()], add(1, ada()), manager(EAST), expected());
    check(&[created()], add(1, ada()), with_role(Role::Admin), expected());
    let forbidden = |role| Err(CustomerError::Forbidden { role });
    check(&[created()], add(1, ada()), rep(BOB), forbidden(Role::SalesRep));
    check(&[created()], add(1, ada()), manager(WEST), forbidden(Role::SalesManager));
    check(&[created()], add(1, ada()), with_role(Role::Finance), forbidden(Role::Finance));
    let history = [created(), contact_added(1, ada())];
    check(&history, update(1, grace()), with_role(Role::Auditor), forbidden(Role::Auditor));
}
