//! Creating a customer, directly or by converting a lead.

use super::*;

fn create_with(edit: impl FnOnce(&mut CustomerProfile)) -> CustomerCommand {
    let mut profile = profile();
    edit(&mut profile);
    CustomerCommand::Create { customer_id: ACME, profile, origin: Origin::Direct }
}

#[test]
fn creating_records_the_whole_profile_and_its_origin() {
    check(&[], create_command(), rep(ALICE), Ok(vec![created()]));
    let customer = customer_after(&[created()]);
    assert_eq!(customer.ownership, Ownership { owner: ALICE, team: Some(EAST) });
    assert_eq!((customer.tier, customer.credit_limit), (Tier::Key, eur(5_000_000)));
}

#[test]
fn converting_a_lead_records_the_lead_as_origin() {
    let command = CustomerCommand::Create {
        customer_id: ACME,
        profile: profile(),
        origin: Origin::ConvertedLead(LEAD),
    };
    let expected = CustomerEvent::Created {
        customer_id: ACME,
        profile: profile(),
        origin: Origin::ConvertedLead(LEAD),
        at: now(),
    };
    check(&[], command, rep(ALICE), Ok(vec![expected]));
}

#[test]
fn creating_again_with_the_same_id_profile_and_origin_is_a_no_op_even_after_changes() {
    check(&[created()], create_command(), rep(ALICE), Ok(vec![]));
    let changed = [
        created(),
        CustomerEvent::TierChanged { from: Tier::Key, to: Tier::Strategic },
        CustomerEvent::CreditLimitChanged { from: eur(5_000_000), to: eur(1) },
    ];
    check(&changed, create_command(), rep(ALICE), Ok(vec![]));
}

#[test]
fn creating_again_with_another_id_profile_or_origin_is_rejected() {
    let already = Err(CustomerError::AlreadyCreated(ACME));
    let other_id = CustomerCommand::Create {
        customer_id: CustomerId(Uuid::from_u128(0x07e4)),
        profile: profile(),
        origin: Origin::Direct,
    };
    check(&[created()], other_id, rep(ALICE), already.clone());
    check(&[created()], create_with(|p| p.name = "ACME AG".into()), rep(ALICE), already.clone());
    check(&[created()], create_with(|p| p.tier = Tier::Normal), rep(ALICE), already.clone());
    check(&[created()], create_with(|p| p.credit_limit = eur(1)), rep(ALICE), already.clone());
    let converted = CustomerCommand::Create {
        customer_id: ACME,
        profile: profile(),
        origin: Origin::ConvertedLead(LEAD),
    };
    check(&[created()], converted, rep(ALICE), already);
}

#[test]
fn a_blank_or_overlong_name_industry_or_region_is_rejected() {
    let long = "x".repeat(TEXT_BYTES_MAX as usize + 1);
    let text = |field| Err(CustomerError::Text { field, bytes_max: TEXT_BYTES_MAX });
    check(&[], create_with(|p| p.name = " ".into()), rep(ALICE), text("name"));
    check(&[], create_with(|p| p.name = long.clone()), rep(ALICE), text("name"));
    check(&[], create_with(|p| p.industry = String::new()), rep(ALICE), text("industry"));
    check(&[], create_with(|p| p.region = long.clone()), rep(ALICE), text("region"));
}

#[test]
fn a_negative_credit_limit_is_rejected() {
    let command = create_with(|p| p.credit_limit = eur(-1));
    check(&[], command, rep(ALICE), Err(CustomerError::NegativeCreditLimit));
}

#[test]
fn reps_create_customers_they_own_managers_their_teams_admins_any() {
    check(&[], create_command(), manager(EAST), Ok(vec![created()]));
    check(&[], create_command(), with_role(Role::Admin), Ok(vec![created()]));
    let forbidden = |role| Err(CustomerError::Forbidden { role });
    check(&[], create_command(), rep(BOB), forbidden(Role::SalesRep));
    check(&[], create_command(), manager(WEST), forbidden(Role::SalesManager));
    check(&[], create_command(), with_role(Role::Finance), forbidden(Role::Finance));
    check(&[], create_command(), with_role(Role::Auditor), forbidden(Role::Auditor));
}

#[test]
fn every_command_but_create_needs_a_created_customer() {
    let commands = [
        CustomerCommand::AddContact { contact_id: contact_id(1), contact: ada() },
        CustomerCommand::AddTag { tag: "reference".into() },
        CustomerCommand::ChangeTier { tier: Tier::Strategic },
        CustomerCommand::ChangeCreditLimit { credit_limit: eur(1) },
    ];
    for command in commands {
        check(&[], command, with_role(Role::Admin), Err(CustomerError::NotCreated));
    }
}
