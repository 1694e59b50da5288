//! Tagging a customer.

use super::*;

fn add(tag: &str) -> CustomerCommand {
    CustomerCommand::AddTag { tag: tag.into() }
}

fn remove(tag: &str) -> CustomerCommand {
    CustomerCommand::RemoveTag { tag: tag.into() }
}

fn tagged(tag: &str) -> CustomerEvent {
    CustomerEvent::TagAdded { tag: tag.into() }
}

#[test]
fn adding_a_tag_records_it_once() {
    check(&[created()], add("reference"), rep(ALICE), Ok(vec![tagged("reference")]));
    check(&[created(), tagged("reference")], add("reference"), rep(ALICE), Ok(vec![]));
}

#[test]
fn removing_a_tag_records_it_and_removing_an_absent_one_records_nothing() {
    let history = [created(), tagged("reference")];
    let expected = CustomerEvent::TagRemoved { tag: "reference".into() };
    check(&history, remove("reference"), rep(ALICE), Ok(vec![expected.clone()]));
    check(&[created()], remove("reference"), rep(ALICE), Ok(vec![]));
    assert!(customer_after(&[created(), tagged("reference"), expected]).tags.is_empty());
}

#[test]
fn a_malformed_tag_is_rejected() {
    let long = "t".repeat(TAG_BYTES_MAX as usize + 1);
    for tag in ["", " padded", "line\nbreak", long.as_str()] {
        check(&[created()], add(tag), rep(ALICE), Err(CustomerError::InvalidTag(tag.into())));
    }
}

#[test]
fn a_customer_carries_at_most_tags_max_tags() {
    let mut history = vec![created()];
    history.extend((0..TAGS_MAX).map(|n| tagged(&format!("tag-{n}"))));
    check(&history, add("one-more"), rep(ALICE), Err(CustomerError::TooManyTags));
    check(&history, add("tag-0"), rep(ALICE), Ok(vec![]));
}

#[test]
fn the_account_team_or_an_admin_tags_and_no_one_else() {
    check(&[created()], add("vip"), manager(EAST), Ok(vec![tagged("vip")]));
    let forbidden = |role| Err(CustomerError::Forbidden { role });
    check(&[created()], add("vip"), rep(BOB), forbidden(Role::SalesRep));
    check(&[created()], add("vip"), with_role(Role::Finance), forbidden(Role::Finance));
    let history = [created(), tagged("vip")];
    check(&history, remove("vip"), with_role(Role::Auditor), forbidden(Role::Auditor));
}
