//! Changing the account's tier, owner and credit limit.

use super::*;

fn usd(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("USD").unwrap())
}

#[test]
fn a_manager_or_admin_changes_the_tier_and_an_unchanged_tier_records_nothing() {
    let command = || CustomerCommand::ChangeTier { tier: Tier::Strategic };
    let expected = || Ok(vec![CustomerEvent::TierChanged { from: Tier::Key, to: Tier::Strategic }]);
    check(&[created()], command(), manager(EAST), expected());
    check(&[created()], command(), with_role(Role::Admin), expected());
    check(&[created()], CustomerCommand::ChangeTier { tier: Tier::Key }, manager(EAST), Ok(vec![]));
}

#[test]
fn the_owner_a_manager_of_another_team_finance_and_auditors_cannot_change_the_tier() {
    let command = || CustomerCommand::ChangeTier { tier: Tier::Normal };
    let forbidden = |role| Err(CustomerError::Forbidden { role });
    check(&[created()], command(), rep(ALICE), forbidden(Role::SalesRep));
    check(&[created()], command(), manager(WEST), forbidden(Role::SalesManager));
    check(&[created()], command(), with_role(Role::Finance), forbidden(Role::Finance));
    check(&[created()], command(), with_role(Role::Auditor), forbidden(Role::Auditor));
}

#[test]
fn a_manager_hands_the_customer_to_a_new_owner_and_team() {
    let command = CustomerCommand::ChangeOwner { owner: BOB, team: Some(WEST) };
    let expected = CustomerEvent::OwnerChanged {
        from: Ownership { owner: ALICE, team: Some(EAST) },
        to: Ownership { owner: BOB, team: Some(WEST) },
    };
    check(&[created()], command, manager(EAST), Ok(vec![expected.clone()]));
    let customer = customer_after(&[created(), expected]);
    assert_eq!(customer.ownership, Ownership { owner: BOB, team: Some(WEST) });
    let same = CustomerCommand::ChangeOwner { owner: ALICE, team: Some(EAST) };
    check(&[created()], same, with_role(Role::Admin), Ok(vec![]));
}

#[test]
fn only_the_teams_manager_or_an_admin_changes_the_owner() {
    let command = || CustomerCommand::ChangeOwner { owner: BOB, team: Some(EAST) };
    let forbidden = |role| Err(CustomerError::Forbidden { role });
    check(&[created()], command(), rep(ALICE), forbidden(Role::SalesRep));
    check(&[created()], command(), manager(WEST), forbidden(Role::SalesManager));
    check(&[created()], command(), with_role(Role::Finance), forbidden(Role::Finance));
    // After the hand-over the old team's manager no longer manages the customer.
    let handed_over = CustomerEvent::OwnerChanged {
        from: Ownership { owner: ALICE, team: Some(EAST) },
        to: Ownership { owner: BOB, team: Some(WEST) },
    };
    check(&[created(), handed_over], command(), manager(EAST), forbidden(Role::SalesManager));
}

#[test]
fn finance_or_an_admin_changes_the_credit_limit_within_its_currency() {
    let command = || CustomerCommand::ChangeCreditLimit { credit_limit: eur(7_500_000) };
    let expected =
        || Ok(vec![CustomerEvent::CreditLimitChanged { from: eur(5_000_000), to: eur(7_500_000) }]);
    check(&[created()], command(), with_role(Role::Finance), expected());
    check(&[created()], command(), with_role(Role::Admin), expected());
    let same = CustomerCommand::ChangeCreditLimit { credit_limit: eur(5_000_000) };
    check(&[created()], same, with_role(Role::Finance), Ok(vec![]));
}

#[test]
fn a_negative_or_foreign_currency_credit_limit_is_rejected() {
    let negative = CustomerCommand::ChangeCreditLimit { credit_limit: eur(-1) };
    check(
        &[created()],
        negative,
        with_role(Role::Finance),
        Err(CustomerError::NegativeCreditLimit),
    );
    let dollars = CustomerCommand::ChangeCreditLimit { credit_limit: usd(5_000_000) };
    let expected = CustomerError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    };
    check(&[created()], dollars, with_role(Role::Finance), Err(expected));
}

#[test]
fn sales_roles_and_auditors_cannot_change_the_credit_limit() {
    let command = || CustomerCommand::ChangeCreditLimit { credit_limit: eur(9_000_000) };
    let forbidden = |role| Err(CustomerError::Forbidden { role });
    check(&[created()], command(), rep(ALICE), forbidden(Role::SalesRep));
    check(&[created()], command(), manager(EAST), forbidden(Role::SalesManager));
    check(&[created()], command(), with_role(Role::Auditor), forbidden(Role::Auditor));
}
