//! Hostile command requests: every kind of malformed request a client can send over NATS,
//! drawn from a seeded generator, and the error codes each may get. Shared by the command
//! service's e2e test and the reliability suite's attack on a running `ltc serve`.

use async_nats::HeaderMap;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use uuid::Uuid;

/// Every code a malformed request may get; anything else (or no reply) fails the test.
pub const CLIENT_ERROR_CODES: [&str; 8] = [
    // The one well-formed kind: a command for a lead nobody captured.
    "lead.not_captured",
    "malformed_json",
    "invalid_command",
    "invalid_header",
    "missing_actor",
    "unknown_actor",
    "unknown_command",
    "payload_too_large",
];

/// The `n`th hostile request (its kind is `n % 10`): subject, headers and body.
pub fn hostile_request(rng: &mut StdRng, n: usize) -> (String, HeaderMap, Vec<u8>) {
    let lead = Uuid::from_u128(rng.random());
    let mut headers = HeaderMap::new();
    headers.insert("Ltc-Actor", "alice");
    let (subject, body): (&str, Vec<u8>) = match n % 10 {
        0 => ("ltc.cmd.lead.capture", b"{\"lead_id\": ".to_vec()),
        1 => (
            "ltc.cmd.lead.capture",
            json!({"lead_id": lead, "channel": 7, "contact": "x", "source": []}).to_string().into(),
        ),
        2 => ("ltc.cmd.quote.create", json!({"quote_id": lead}).to_string().into()),
        // A forged role and price book in the body.
        3 => (
            "ltc.cmd.quote.submit",
            json!({"quote_id": lead, "role": "admin", "policy": {"limit_bps": 10000}})
                .to_string()
                .into(),
        ),
        4 => (
            ["ltc.cmd.nothing.here", "ltc.cmd.lead", "ltc.cmd.lead.capture.extra"][n % 3],
            b"{}".to_vec(),
        ),
        5 => {
            headers.insert("Ltc-Actor", "mallory");
            ("ltc.cmd.lead.qualify", json!({"lead_id": lead}).to_string().into())
        }
        6 => {
            // A forged role header is no login: the actor is still looked up by name.
            headers.insert("Ltc-Role", "admin");
            headers.insert("Ltc-Actor", "nobody-admin");
            ("ltc.cmd.payment.write_off", json!({"receivable_id": lead}).to_string().into())
        }
        7 => {
            headers.insert("Ltc-Command-Id", "not-a-uuid");
            ("ltc.cmd.lead.qualify", json!({"lead_id": lead}).to_string().into())
        }
        8 => ("ltc.cmd.lead.qualify", (0..rng.random_range(1..64)).map(|_| rng.random()).collect()),
        // A well-formed command for a lead that does not exist.
        _ => ("ltc.cmd.lead.qualify", json!({"lead_id": lead}).to_string().into()),
    };
    (subject.to_owned(), headers, body)
}

/// Sends one well-formed lead capture as alice (with `command_id`, if given) and returns the
/// reply: what a storm of hostile requests must leave the service able to answer.
pub async fn good_capture(client: &async_nats::Client, command_id: Option<Uuid>) -> Value {
    let mut headers = HeaderMap::new();
    headers.insert("Ltc-Actor", "alice");
    if let Some(command_id) = command_id {
        headers.insert("Ltc-Command-Id", command_id.to_string().as_str());
    }
    let good = json!({"lead_id": Uuid::from_u128(1), "channel": "api",
        "contact": {"name": "Ada", "email": "ada@example.com", "phone": null}, "source": {}});
    let reply = client
        .request_with_headers("ltc.cmd.lead.capture", headers, good.to_string().into())
        .await
        .expect("a good command is answered");
    serde_json::from_slice(&reply.payload).expect("a JSON reply")
}
