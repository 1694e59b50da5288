//! The whole lead-to-cash story over NATS, as client services would send it to `ltc serve`:
//! a lead is captured, qualified and converted; a quote with a discount above the rep's limit
//! is approved by the manager, sent and accepted; the order (placed by ltc itself) is fulfilled
//! and invoiced in two instalments; finance books a partial and then the final payments. Then
//! the 360° view, the funnel and the AR aging, asked over `ltc.qry.*`, show it.

mod support;

use std::time::{Duration, Instant};

use async_nats::{Client, HeaderMap};
use ltc_domain::actor::Role;
use ltc_domain::ids::{TeamId, UserId};
use ltc_services::process::{Invoicing, Placement};
use ltc_services::users::{User, UserDirectory};
use ltc_tests::nats_server::NatsServer;
use serde_json::{Value, json};
use support::{Serving, wait_until_answering};
use uuid::Uuid;

const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea));
const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));

/// What a command gets while the automation has not yet created what it acts on.
const NOT_YET: [&str; 3] = ["not_found", "order.not_placed", "payment.not_opened"];

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x5709_0000 + n)
}

struct Client2 {
    client: Client,
}

impl Client2 {
    async fn request(&self, subject: &str, actor: &str, body: Value) -> Value {
        let mut headers = HeaderMap::new();
        headers.insert("Ltc-Actor", actor);
        let reply = self
            .client
            .request_with_headers(subject.to_owned(), headers, body.to_string().into())
            .await
            .unwrap_or_else(|error| panic!("{subject}: {error}"));
        serde_json::from_slice(&reply.payload).unwrap()
    }

    /// Sends a command that must succeed; `not_found` (what ltc's automation has not created
    /// yet) is retried for a few seconds, as a client reacting to an event would wait for it.
    async fn command(&self, subject: &str, actor: &str, body: Value) -> Value {
        let started = Instant::now();
        loop {
            let reply = self.request(subject, actor, body.clone()).await;
            if reply["ok"] == true {
                return reply;
            }
            let code = reply["error"]["code"].as_str().unwrap_or_default();
            let waiting = NOT_YET.contains(&code);
            assert!(
                waiting && started.elapsed() < Duration::from_secs(10),
                "{subject} as {actor}: {reply}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Asks a read model until `ready` holds of its result (the projector follows the log).
    async fn query(&self, subject: &str, body: Value, ready: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let reply = self.request(subject, "", body.clone()).await;
            assert_eq!(reply["ok"], true, "{subject}: {reply}");
            if ready(&reply["result"]) {
                return reply;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{subject} never showed it: {reply:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn users() -> UserDirectory {
    let user = |n: u128, name: &str, role, team| User {
        id: UserId(Uuid::from_u128(n)),
        name: name.into(),
        role,
        team,
    };
    UserDirectory::new(vec![
        User { id: ALICE, name: "alice".into(), role: Role::SalesRep, team: Some(TEAM) },
        user(0x3a2a, "mara", Role::SalesManager, Some(TEAM)),
        user(0x62e7a, "greta", Role::Finance, None),
        user(0xad, "admin", Role::Admin, None),
    ])
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_over_nats_from_lead_to_cash_shows_in_the_read_models() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    users().save(&data.join("users.json")).unwrap();
    let mut serving = Serving::start(&data, &server.url(), &[]);
    let client = Client2 { client: async_nats::connect(server.url()).await.unwrap() };
    wait_until_answering(&client.client, &serving).await;
    let (lead, customer, contact, deal, quote) = (id(1), id(2), id(3), id(4), id(5));

    client.command("ltc.cmd.lead.capture", "alice", json!({
        "lead_id": lead, "channel": "web_form",
        "contact": {"name": "Ada Lovelace", "email": "ada@analytical.example", "phone": "+44 20 7946 0000"},
        "company_name": "Analytical Engines Ltd", "industry": "manufacturing", "region": "north",
        "source": {"utm_campaign": "spring"}, "owner": {"owner": ALICE.0, "team": TEAM.0}
    })).await;
    client.command("ltc.cmd.lead.qualify", "alice", json!({"lead_id": lead})).await;
    client.command("ltc.cmd.lead.convert", "alice", json!({
        "lead_id": lead, "customer": {"new_customer": customer}, "contact_id": contact, "opportunity_id": deal
    })).await;

    // 20 seats at 20 % off: above a rep's 10 %, so the manager approves.
    client.command("ltc.cmd.quote.create", "alice", json!({
        "quote_id": quote, "opportunity_id": deal, "currency": null, "valid_until": null,
        "lines": [{"sku": "CRM-SEAT", "quantity": 20, "options": [], "manual_discount_bps": 2000}]
    })).await;
    // The rep puts the quote's total on the deal, so the funnel and forecast carry it.
    let amount = json!({"amount_minor": 176_000, "currency": "EUR"});
    let body = json!({"opportunity_id": deal, "amount": amount});
    client.command("ltc.cmd.opportunity.change_amount", "alice", body).await;
    let submitted =
        client.command("ltc.cmd.quote.submit", "alice", json!({"quote_id": quote})).await;
    assert_eq!(submitted["events"], json!(["QuoteSubmittedForApproval"]), "20 % needs approval");
    client.command("ltc.cmd.quote.approve", "mara", json!({"quote_id": quote})).await;
    client.command("ltc.cmd.quote.send", "alice", json!({"quote_id": quote})).await;
    client.command("ltc.cmd.quote.accept", "alice", json!({"quote_id": quote})).await;

    let order = Placement::order_of(ltc_domain::ids::QuoteId(quote)).0;
    client.command("ltc.cmd.order.confirm", "admin", json!({"order_id": order})).await;
    client
        .command(
            "ltc.cmd.order.fulfil",
            "admin",
            json!({
                "order_id": order, "fulfilment_id": id(6), "lines": [{"line": 0, "quantity": 20}]
            }),
        )
        .await;
    let (first_invoice, second_invoice) = (id(7), id(8));
    for invoice in [first_invoice, second_invoice] {
        client
            .command(
                "ltc.cmd.order.invoice",
                "greta",
                json!({
                    "order_id": order, "invoice_id": invoice, "lines": [{"line": 0, "quantity": 10}]
                }),
            )
            .await;
    }
    let first = Invoicing::receivable_of(first_invoice).0;
    let second = Invoicing::receivable_of(second_invoice).0;
    let pay = |receivable: Uuid, receipt: Uuid, amount_minor: i64| {
        json!({"receivable_id": receivable, "receipt_id": receipt, "method": "bank_transfer",
               "amount": {"amount_minor": amount_minor, "currency": "EUR"}, "reference": "SEPA"})
    };
    client.command("ltc.cmd.payment.receive_payment", "greta", pay(first, id(9), 50_000)).await;
    // 176,000 invoiced (20 seats at 20 % off), 50,000 paid: 126,000 open, not yet due.
    let aging = client
        .query("ltc.qry.ar-aging", json!({"by_customer": true}), |result| {
            result["rows"][0]["outstanding_minor"] == 126_000
        })
        .await;
    let row = &aging["result"]["rows"][0];
    assert_eq!(
        (row["customer_id"].as_str(), row["current_minor"].as_i64()),
        (Some(customer.to_string().as_str()), Some(126_000))
    );
    assert_eq!(row["overdue_minor"], 0);

    client.command("ltc.cmd.payment.receive_payment", "greta", pay(first, id(10), 38_000)).await;
    client.command("ltc.cmd.payment.receive_payment", "greta", pay(second, id(11), 88_000)).await;

    // Settled in full: ltc records the order paid and wins the deal.
    let view = client
        .query("ltc.qry.customer360", json!({"customer_id": customer}), |result| {
            result["customer"]["opportunities"][0]["status"] == "won"
        })
        .await;
    let view = &view["result"]["customer"];
    assert_eq!(view["profile"]["name"], "Analytical Engines Ltd");
    assert_eq!(view["profile"]["origin"], "lead");
    assert_eq!(view["leads"][0]["lead_id"], lead.to_string());
    assert_eq!(view["contacts"][0]["email"], "ada@analytical.example");
    assert_eq!(
        (view["quotes"][0]["status"].as_str(), view["quotes"][0]["total"]["amount_minor"].as_i64()),
        (Some("accepted"), Some(176_000))
    );
    assert_eq!(view["orders"][0]["status"], "Paid");
    assert_eq!(view["receivables"].as_array().unwrap().len(), 2);
    for receivable in view["receivables"].as_array().unwrap() {
        assert_eq!(receivable["outstanding"]["amount_minor"], 0, "{receivable}");
    }
    assert_eq!(
        view["figures"]["lifetime_value"],
        json!([{"amount_minor": 176_000, "currency": "EUR"}])
    );
    assert_eq!(view["figures"]["open_ar"], json!([]));

    let funnel =
        client.query("ltc.qry.funnel", json!({"by": "region", "period": "month"}), |_| true).await;
    let north = &funnel["result"][0];
    assert_eq!(north["key"], "north");
    assert_eq!(
        (north["leads"].as_u64(), north["leads_converted"].as_u64(), north["won"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(north["currencies"][0]["won_minor"], 176_000, "{funnel:#}");
    assert_eq!(north["win_rate_bps"], 10_000);

    let aging = client.query("ltc.qry.ar-aging", json!({}), |_| true).await;
    assert!(
        aging["result"]["rows"].as_array().unwrap().iter().all(|row| row["outstanding_minor"] == 0),
        "{aging:#}"
    );
    let status = serving.terminate(Duration::from_secs(15));
    assert!(status.success(), "{}", serving.log());
}
