//! Capture: normalisation, duplicates, validation and who may capture.

use super::*;
use crate::lead::scoring::ScoringModelError;

/// Given no history, when `actor` captures with `command` at minute 0, then `expected`.
#[track_caller]
fn check_capture(command: LeadCommand, actor: Actor, expected: Result<Vec<LeadEvent>, LeadError>) {
    let context = Context { actor, occurred_at: t(0) };
    assert_eq!(LeadDecider::decide(&LeadState::NotCaptured, &command, &context), expected);
}

/// The company recorded by capturing `command`.
#[track_caller]
fn company_of(command: LeadCommand) -> Company {
    let context = Context { actor: manager(EAST), occurred_at: t(0) };
    match LeadDecider::decide(&LeadState::NotCaptured, &command, &context).unwrap().remove(0) {
        LeadEvent::Captured { company, .. } => company,
        other => panic!("capture records Captured first, not {other:?}"),
    }
}

#[test]
fn capture_records_normalised_contact_and_company_data_and_the_first_score() {
    check_capture(capture_command(), manager(EAST), Ok(vec![captured(), scored()]));
}

#[test]
fn capturing_again_with_the_same_details_is_a_no_op_even_after_assignment_and_merging() {
    let history = [captured(), scored()];
    check(&history, capture_command(), manager(EAST), Ok(vec![]));
    // Written differently but normalised to the same facts: still the same capture.
    let tidy = capture_with(|c| {
        if let LeadCommand::Capture { contact, .. } = c {
            contact.email = Some("ada@example.com".into());
        }
    });
    check(&history, tidy, manager(EAST), Ok(vec![]));
    let later = [
        captured(),
        scored(),
        assigned(ALICE, EAST, 1),
        LeadEvent::MergedInto { survivor: SURVIVOR, at: t(2) },
    ];
    check(&later, capture_command(), manager(EAST), Ok(vec![]));
}

#[test]
fn capturing_again_with_another_id_or_other_details_is_rejected() {
    let history = [captured(), scored()];
    let already = Err(LeadError::AlreadyCaptured(LEAD));
    let other_id = capture_with(|c| {
        if let LeadCommand::Capture { lead_id, .. } = c {
            *lead_id = SURVIVOR;
        }
    });
    check(&history, other_id, manager(EAST), already.clone());
    let other_email = capture_with(|c| {
        if let LeadCommand::Capture { contact, .. } = c {
            contact.email = Some("ada@example.org".into());
        }
    });
    check(&history, other_email, manager(EAST), already.clone());
    let other_channel = capture_with(|c| {
        if let LeadCommand::Capture { channel, .. } = c {
            *channel = Channel::Referral;
        }
    });
    check(&history, other_channel, manager(EAST), already.clone());
    let as_duplicate = capture_with(|c| {
        if let LeadCommand::Capture { duplicate_of, .. } = c {
            *duplicate_of = Some(SURVIVOR);
        }
    });
    check(&history, as_duplicate, manager(EAST), already.clone());
    let invalid = capture_with(|c| {
        if let LeadCommand::Capture { contact, .. } = c {
            contact.email = Some("not an email".into());
        }
    });
    check(&history, invalid, manager(EAST), already);
}

#[test]
fn a_duplicate_captured_again_is_a_no_op_only_when_it_names_the_same_survivor() {
    let as_duplicate = |survivor: Option<LeadId>| {
        capture_with(|c| {
            if let LeadCommand::Capture { duplicate_of, .. } = c {
                *duplicate_of = survivor;
            }
        })
    };
    let history = [captured(), LeadEvent::CapturedAsDuplicate { survivor: SURVIVOR }];
    check(&history, as_duplicate(Some(SURVIVOR)), manager(EAST), Ok(vec![]));
    let already = Err(LeadError::AlreadyCaptured(LEAD));
    check(&history, as_duplicate(None), manager(EAST), already);
}

#[test]
fn a_lead_the_shell_found_a_survivor_for_is_captured_as_its_duplicate_and_not_scored() {
    let duplicate = capture_with(|c| {
        if let LeadCommand::Capture { duplicate_of, .. } = c {
            *duplicate_of = Some(SURVIVOR);
        }
    });
    let expected = vec![captured(), LeadEvent::CapturedAsDuplicate { survivor: SURVIVOR }];
    check_capture(duplicate, manager(EAST), Ok(expected));
}

#[test]
fn a_lead_cannot_be_captured_as_a_duplicate_of_itself() {
    let itself = capture_with(|c| {
        if let LeadCommand::Capture { duplicate_of, .. } = c {
            *duplicate_of = Some(LEAD);
        }
    });
    check_capture(itself, manager(EAST), Err(LeadError::SelfDuplicate));
}

#[test]
fn capture_rejects_a_blank_name_an_invalid_email_and_an_invalid_phone() {
    let contact = |name: &str, email: Option<&str>, phone: Option<&str>| {
        let contact = Contact {
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
        };
        capture_with(move |c| {
            if let LeadCommand::Capture { contact: field, .. } = c {
                *field = contact;
            }
        })
    };
    let rejected = |command, error| check_capture(command, manager(EAST), Err(error));
    rejected(contact("  ", Some("a@b.co"), None), LeadError::Text { field: "name" });
    rejected(
        contact("Ada", Some(" Not-An-Email "), None),
        LeadError::InvalidEmail("not-an-email".into()),
    );
    rejected(contact("Ada", Some("a@b"), None), LeadError::InvalidEmail("a@b".into()));
    rejected(contact("Ada", None, Some("+1 (23)")), LeadError::InvalidPhone("+123".into()));
    rejected(contact("Ada", None, None), LeadError::NoContactChannel);
    // Blank values count as absent, so a lead of blanks has no way to be reached.
    rejected(contact("Ada", Some("  "), Some(" - ")), LeadError::NoContactChannel);
}

#[test]
fn capture_rejects_overlong_fields_and_an_invalid_scoring_model() {
    let long = "x".repeat(TEXT_BYTES_MAX + 1);
    let long_industry = capture_with(|c| {
        if let LeadCommand::Capture { industry, .. } = c {
            *industry = Some(long.clone());
        }
    });
    check_capture(long_industry, manager(EAST), Err(LeadError::Text { field: "industry" }));
    let long_campaign = capture_with(|c| {
        if let LeadCommand::Capture { source, .. } = c {
            source.utm_campaign = Some(long.clone());
        }
    });
    check_capture(long_campaign, manager(EAST), Err(LeadError::Text { field: "utm_campaign" }));
    let generous = capture_with(|c| {
        if let LeadCommand::Capture { scoring_model, .. } = c {
            scoring_model.engagement_points_max = 21;
        }
    });
    let too_many_points = ScoringModelError::PointsMax { points_max: 101 };
    check_capture(generous, manager(EAST), Err(too_many_points.into()));
}

#[test]
fn the_company_domain_comes_from_the_website_else_from_a_business_email_but_never_free_mail() {
    let with_email = |address: &str| {
        let address = address.to_owned();
        capture_with(move |c| {
            if let LeadCommand::Capture { website, contact, .. } = c {
                *website = None;
                contact.email = Some(address);
            }
        })
    };
    assert_eq!(company_of(capture_command()).domain.as_deref(), Some("example.com"));
    assert_eq!(
        company_of(with_email("ada@Sub.Example.ORG")).domain.as_deref(),
        Some("sub.example.org")
    );
    assert_eq!(company_of(with_email("ada@gmail.com")).domain, None);
}

#[test]
fn reps_capture_unowned_leads_or_their_own_and_finance_and_auditors_capture_none() {
    let owned_by = |owner: UserId| {
        capture_with(move |c| {
            if let LeadCommand::Capture { owner: field, .. } = c {
                *field = Some(Ownership { owner, team: Some(EAST) });
            }
        })
    };
    let accepted = |command: LeadCommand, actor: Actor| {
        let context = Context { actor, occurred_at: t(0) };
        assert!(LeadDecider::decide(&LeadState::NotCaptured, &command, &context).is_ok());
    };
    accepted(capture_command(), rep(ALICE));
    accepted(owned_by(ALICE), rep(ALICE));
    accepted(owned_by(ALICE), with_role(Role::Admin));
    let forbidden = |role| Err(LeadError::Forbidden { role });
    check_capture(owned_by(ALICE), rep(BOB), forbidden(Role::SalesRep));
    check_capture(owned_by(ALICE), manager(WEST), forbidden(Role::SalesManager));
    for role in [Role::Finance, Role::Auditor] {
        check_capture(capture_command(), with_role(role), forbidden(role));
    }
}
