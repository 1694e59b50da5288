//! The shipped server configuration (docs/nats/ltc-server.conf) gives each kind of client only
//! its subjects: a sales tool may capture leads but cannot publish a payment command. NATS
//! reports a permission violation asynchronously, as a server error on the connection, and the
//! denied request simply gets no reply.

use std::sync::Arc;
use std::time::Duration;

use async_nats::{ConnectOptions, Event, HeaderMap};
use ltc_services::nats::NatsOptions;
use ltc_services::nats::commands::{CommandService, CommandServiceOptions};
use ltc_tests::nats_server::NatsServer;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::commands::{Fixture, users};

const SHIPPED_CONFIG: &str = include_str!("../../../docs/nats/ltc-server.conf");

#[tokio::test]
async fn a_sales_client_may_capture_a_lead_but_its_payment_command_is_refused_by_the_server() {
    let server = NatsServer::start_with_config(SHIPPED_CONFIG);
    let fixture = Fixture::start().await;
    let service_login = NatsOptions {
        user: Some("ltc".into()),
        password: Some("ltc-change-me".into()),
        ..NatsOptions::at(server.url())
    };
    let service_client = ltc_services::nats::connect(&service_login).await.expect("ltc logs in");
    let service = CommandService::start(
        service_client,
        fixture.engine.clone(),
        Arc::new(users()),
        CommandServiceOptions::default(),
    )
    .await
    .unwrap();

    let (events, mut server_errors) = mpsc::unbounded_channel();
    let sales = ConnectOptions::with_user_and_password("sales".into(), "sales-change-me".into())
        .custom_inbox_prefix("_INBOX_sales")
        .event_callback(move |event| {
            let events = events.clone();
            async move {
                if let Event::ServerError(error) = event {
                    let _ = events.send(error.to_string());
                }
            }
        })
        .connect(server.url())
        .await
        .expect("sales logs in");
    let mut headers = HeaderMap::new();
    headers.insert("Ltc-Actor", "alice");
    let capture = json!({"lead_id": "00000000-0000-0000-0000-00000000100a", "channel": "api",
        "contact": {"name": "Ada", "email": "ada@example.com", "phone": null}, "source": {}});
    let reply = sales
        .request_with_headers("ltc.cmd.lead.capture", headers.clone(), capture.to_string().into())
        .await
        .expect("a lead capture is allowed");
    let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(reply["ok"], true, "{reply}");
    let head = fixture.store.head().position;

    let payment = json!({"receivable_id": "00000000-0000-0000-0000-0000000000aa"});
    // A denied request is dropped by the server: no reply ever comes.
    let denied = tokio::time::timeout(
        Duration::from_secs(1),
        sales.request_with_headers(
            "ltc.cmd.payment.write_off",
            headers,
            payment.to_string().into(),
        ),
    )
    .await;
    assert!(!matches!(denied, Ok(Ok(_))), "a payment command got a reply: {denied:?}");
    let violation = tokio::time::timeout(Duration::from_secs(5), server_errors.recv())
        .await
        .expect("the server reports the violation")
        .expect("an error event");
    assert!(
        violation.contains("Permissions Violation for Publish to \"ltc.cmd.payment.write_off\""),
        "{violation}"
    );
    assert_eq!(fixture.store.head().position, head, "nothing was appended");
    assert_eq!(service.counters().errors.len(), 0, "the service never saw the payment command");
    service.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_at_connect() {
    let server = NatsServer::start_with_config(SHIPPED_CONFIG);
    let login = NatsOptions {
        user: Some("sales".into()),
        password: Some("guess".into()),
        ..NatsOptions::at(server.url())
    };
    let error = ltc_services::nats::connect(&login).await.expect_err("a bad password fails");
    assert!(error.to_string().to_lowercase().contains("authorization"), "{error}");
}

#[tokio::test]
async fn a_client_logs_in_with_an_nkey_seed_file_and_a_token_as_ltc_serve_does() {
    let user = nkeys::KeyPair::new_user();
    let config = format!("authorization {{ users = [ {{ nkey: {} }} ] }}\n", user.public_key());
    let server = NatsServer::start_with_config(&config);
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("user.nk");
    std::fs::write(&seed_file, format!("{}\n", user.seed().unwrap())).unwrap();
    let login = NatsOptions { nkey_seed_file: Some(seed_file), ..NatsOptions::at(server.url()) };
    let client = ltc_services::nats::connect(&login).await.expect("the nkey logs in");
    client.flush().await.expect("a round trip");
    let stranger = ltc_services::nats::connect(&NatsOptions::at(server.url())).await;
    assert!(stranger.is_err(), "without the nkey the server refuses the connection");

    let server = NatsServer::start_with_config("authorization { token: s3cr3t }\n");
    let login = NatsOptions { token: Some("s3cr3t".into()), ..NatsOptions::at(server.url()) };
    ltc_services::nats::connect(&login).await.expect("the token logs in");
    let wrong = NatsOptions { token: Some("guess".into()), ..NatsOptions::at(server.url()) };
    assert!(ltc_services::nats::connect(&wrong).await.is_err());
}
