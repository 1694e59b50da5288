//! The wire contract: commands read from JSON as documented, and a client that tries to send a
//! fact the engine fills in (prices, an approval policy, a business date) is refused before
//! anything is decided.

use super::*;
use crate::engine::{OrderRequest, PaymentRequest};

fn parse(json: &str) -> Result<Command, serde_json::Error> {
    serde_json::from_str(json)
}

#[test]
fn a_quote_request_reads_from_json_with_optional_fields_left_out() {
    let json = r#"{"Quote": {
        "quote_id": "00000000-0000-0000-0000-00000009007e",
        "command": {"Create": {
            "opportunity_id": "00000000-0000-0000-0000-00000000dea1",
            "currency": null,
            "valid_until": null,
            "lines": [{"sku": "CRM-SEAT", "quantity": 10, "options": [],
                       "manual_discount_bps": 0}]
        }}
    }}"#;
    let expected = Command::Quote {
        quote_id: QUOTE,
        command: QuoteRequest::Create {
            opportunity_id: DEAL,
            currency: None,
            valid_until: None,
            lines: vec![seats(10, 0)],
        },
    };
    assert_eq!(parse(json).expect("valid JSON command"), expected);
    assert_eq!(
        parse(
            r#"{"Quote": {"quote_id": "00000000-0000-0000-0000-00000009007e",
        "command": "Submit"}}"#
        )
        .unwrap(),
        Command::Quote { quote_id: QUOTE, command: QuoteRequest::Submit }
    );
}

#[test]
fn a_client_cannot_send_pricing_data_an_approval_policy_or_a_business_date() {
    let forged = [
        // Its own price book, inside a quote.
        r#"{"Quote": {"quote_id": "00000000-0000-0000-0000-00000009007e", "command": {"Create": {
            "opportunity_id": "00000000-0000-0000-0000-00000000dea1", "currency": null,
            "valid_until": null, "lines": [], "pricing": {}}}}}"#,
        // A generous approval policy.
        r#"{"Quote": {"quote_id": "00000000-0000-0000-0000-00000009007e",
            "command": {"Submit": {"policy": {}}}}}"#,
        // A back-dated acceptance.
        r#"{"Quote": {"quote_id": "00000000-0000-0000-0000-00000009007e",
            "command": {"Accept": {"on": "2020-01-01"}}}}"#,
        // An invoice date of its choosing.
        r#"{"Order": {"order_id": "00000000-0000-0000-0000-0000000004de",
            "command": {"Invoice": {"invoice_id": "00000000-0000-0000-0000-0000000001a7",
            "lines": [], "base_date": "2020-01-01"}}}}"#,
    ];
    for json in forged {
        assert!(parse(json).is_err(), "accepted a forged field: {json}");
    }
}

#[test]
fn every_request_kind_round_trips_through_json() {
    let commands = [
        Command::Order {
            order_id: ltc_domain::ids::OrderId(Uuid::from_u128(7)),
            command: OrderRequest::Place { quote_id: QUOTE, payment_terms: None },
        },
        Command::Payment {
            receivable_id: ltc_domain::ids::PaymentId(Uuid::from_u128(8)),
            command: PaymentRequest::ReceivePayment {
                receipt_id: ltc_domain::payment::ReceiptId(Uuid::from_u128(9)),
                amount: eur(5_000),
                method: ltc_domain::payment::PaymentMethod::BankTransfer,
                reference: "SEPA 4711".into(),
                received_on: None,
            },
        },
        Command::Opportunity { opportunity_id: DEAL, command: OpportunityRequest::Win },
    ];
    for command in commands {
        let json = serde_json::to_string(&command).unwrap();
        assert_eq!(parse(&json).unwrap(), command, "{json}");
    }
}
