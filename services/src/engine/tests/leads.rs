//! Leads through the engine: the engine, not the client, decides whether a new lead duplicates
//! an open one, and a merge takes the duplicate's data from its own stream.

use ltc_domain::ids::LeadId;
use ltc_domain::lead::{Channel, Contact, LeadState, Source, Status};

use super::*;
use crate::engine::LeadRequest;

fn capture(email: &str) -> LeadRequest {
    LeadRequest::Capture {
        channel: Channel::WebForm,
        contact: Contact { name: "Ada Lovelace".into(), email: Some(email.into()), phone: None },
        company_name: Some("Analytical Engines".into()),
        website: None,
        industry: None,
        region: None,
        company_size: None,
        source: Source::default(),
        owner: None,
    }
}

fn lead_of(fixture: &Fixture, lead_id: LeadId) -> ltc_domain::lead::Lead {
    match fixture.engine.paths().leads.state_of(lead_id.0).expect("the lead loads") {
        LeadState::Captured(lead) => *lead,
        LeadState::NotCaptured => panic!("lead {lead_id} was not captured"),
    }
}

#[tokio::test]
async fn a_second_lead_with_the_same_email_is_recorded_as_a_duplicate_and_merges_into_the_first() {
    let mut fixture = fixture();
    let (first, second) = (LeadId(Uuid::from_u128(1)), LeadId(Uuid::from_u128(2)));
    fixture.ok(rep(), Command::Lead { lead_id: first, command: capture("ada@example.com") }).await;
    let again = capture("  ADA@Example.com ");
    fixture.ok(rep(), Command::Lead { lead_id: second, command: again }).await;
    let duplicate = lead_of(&fixture, second);
    assert_eq!((duplicate.status, duplicate.duplicate_of), (Status::Duplicate, Some(first)));

    let merge = LeadRequest::MergeInto { survivor: first };
    fixture.ok(manager(), Command::Lead { lead_id: second, command: merge }).await;
    assert_eq!(lead_of(&fixture, second).status, Status::Merged);
}

#[test]
fn a_client_cannot_name_the_survivor_of_its_lead() {
    let json = r#"{"Lead": {"lead_id": "00000000-0000-0000-0000-000000000002", "command":
        {"Capture": {"channel": "web_form", "contact": {"name": "Ada", "email": null,
        "phone": null}, "company_name": null, "website": null, "industry": null,
        "region": null, "company_size": null, "source": {"utm_source": null, "utm_medium": null,
        "utm_campaign": null, "utm_term": null, "utm_content": null, "referrer": null},
        "owner": null, "duplicate_of": "00000000-0000-0000-0000-000000000001"}}}}"#;
    let error = serde_json::from_str::<Command>(json).expect_err("duplicate_of is the engine's");
    assert!(error.to_string().contains("duplicate_of"), "{error}");
}
