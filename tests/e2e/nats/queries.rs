//! The query service over a real nats-server, against a generated history whose read models a
//! catch-up built: each endpoint gives the JSON the shared query library gives `ltc query
//! --json`, says how fresh it is, refuses bad requests with typed codes and keeps answering,
//! describes itself to `$SRV.INFO`, shares the load in its queue group and drains on shutdown.

mod audit;
mod errors;
mod fleet;
mod latency;

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap};
use chrono::{NaiveDate, TimeZone};
use ltc_eventstore::{Clock, EventStore, ManualClock, StoreOptions};
use ltc_services::data_dir::DataDir;
use ltc_services::generator::{Scale, generate};
use ltc_services::nats::queries::{QueryService, QueryServiceOptions};
use ltc_services::queries::{
    ArAgingRequest, CollectionsRequest, Customer360Request, CustomersRequest, DsoRequest,
    EventsRequest, ForecastRequest, FunnelRequest, LeadsRequest, Plan, Query, QuerySource,
    RepsRequest, StalledRequest, WinProbabilitiesRequest, default_business_date, last_recorded_at,
};
use ltc_services::read_models::{EmbeddedReadModels, LagRow, RebuildRequest};
use ltc_tests::nats_server::NatsServer;
use serde_json::{Value, json};

const SEED: u64 = 42;

/// A day inside the generated history (it starts on 2026-01-05 and runs three months).
const AS_OF: &str = "2026-03-20";

/// A generated history, its read models caught up, a private server and a query service.
struct World {
    dir: tempfile::TempDir,
    store: EventStore,
    /// The generator's clock, left at the end of the history: the service's today.
    clock: Arc<ManualClock>,
    server: NatsServer,
    client: Client,
    service: Option<QueryService>,
}

impl World {
    async fn new() -> World {
        let dir = tempfile::tempdir().expect("a temp dir");
        let data = DataDir::new(dir.path());
        let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(data.event_store(), options).expect("the store opens");
        generate(&store, clock.clone(), SEED, Scale::Small).await.expect("a history");
        let models = EmbeddedReadModels::open(&data, store.clone()).expect("the read models open");
        models.catch_up(&mut |_| {}).expect("the read models catch up");
        // Dropped here: the service must work without the directory's lock, as beside a
        // projector in another process.
        drop(models);
        let server = NatsServer::start();
        let client = async_nats::connect(server.url()).await.expect("connect");
        let service = start_service(&server, &data, &store, clock.clone()).await;
        World { dir, store, clock, server, client, service: Some(service) }
    }

    fn data(&self) -> DataDir {
        DataDir::new(self.dir.path())
    }

    /// The read models, as the projector (or `ltc query`) holds them.
    fn models(&self) -> EmbeddedReadModels {
        EmbeddedReadModels::open(&self.data(), self.store.clone()).expect("the read models open")
    }

    /// What `ltc query <model> --json` puts under `result`, from the shared library: the read
    /// models in service, or rebuilt up to the cut-offs the request's dates plan.
    fn expected<Q: Query>(&self, request: &Q) -> Value {
        let models = self.models();
        let plan = Plan::new(Q::BUSINESS_TIME, request.dates().expect("valid dates"));
        let last = last_recorded_at(&self.store).expect("the log's last event");
        let business_date = plan
            .business_date
            .unwrap_or_else(|| default_business_date(self.clock.now().date_naive(), last));
        let rebuilt = |at| models.as_of(request.projections(), at, &mut |_| {}).expect("rebuilt");
        let facts = plan.facts.map(rebuilt);
        let facts = match &facts {
            Some(snapshot) => snapshot.reader(),
            None => models.reader(),
        };
        let facts = facts.expect("a reader");
        let answer = match plan.state.filter(|_| plan.state != plan.facts).map(rebuilt) {
            Some(state) => {
                let state = state.reader().expect("a reader");
                request.query_split(&state, &facts, business_date)
            }
            None => request.query(&facts, business_date),
        };
        serde_json::to_value(answer.expect("answers")).expect("serialises")
    }

    fn lag(&self, projection: &str) -> LagRow {
        let rows = self.models().lag().expect("lag");
        rows.into_iter().find(|row| row.projection == projection).expect("the projection")
    }

    async fn ask(&self, model: &str, body: Value) -> Answer {
        ask(&self.client, model, body).await
    }

    /// The first customer by name among those that existed on [`AS_OF`].
    async fn first_customer(&self) -> String {
        let answer = self.ask("customers", json!({"as_of": AS_OF})).await;
        answer.body["result"][0]["customer_id"].as_str().expect("a customer").to_owned()
    }
}

async fn start_service(
    server: &NatsServer,
    data: &DataDir,
    store: &EventStore,
    clock: Arc<ManualClock>,
) -> QueryService {
    let client = async_nats::connect(server.url()).await.expect("connect");
    let source = QuerySource::new(data, store.clone(), clock);
    QueryService::start(client, source, QueryServiceOptions::default())
        .await
        .expect("the query service starts")
}

/// A reply: its JSON body and headers.
struct Answer {
    body: Value,
    headers: Option<HeaderMap>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.as_ref()?.get(name).map(|value| value.as_str())
    }

    #[track_caller]
    fn ok(self) -> Value {
        assert_eq!(self.body["ok"], true, "{}", self.body);
        assert_eq!(self.header("Nats-Service-Error"), None);
        self.body
    }
}

async fn ask(client: &Client, model: &str, body: Value) -> Answer {
    ask_raw(client, model, body.to_string().into_bytes()).await
}

async fn ask_raw(client: &Client, model: &str, body: Vec<u8>) -> Answer {
    let subject = format!("ltc.qry.{model}");
    let request = client.request(subject, body.into());
    let reply = tokio::time::timeout(Duration::from_secs(30), request)
        .await
        .unwrap_or_else(|_| panic!("ltc.qry.{model} answers within 30 s"))
        .unwrap_or_else(|error| panic!("ltc.qry.{model}: {error}"));
    let body = serde_json::from_slice(&reply.payload).expect("every reply is JSON");
    Answer { body, headers: reply.headers }
}

#[tokio::test]
async fn every_endpoint_answers_with_the_json_of_ltc_query_and_its_checkpoint_as_position() {
    let world = World::new().await;
    let customer_id = world.first_customer().await;
    let as_of = Some(AS_OF.to_owned());
    let customer: uuid::Uuid = customer_id.parse().expect("a uuid");

    let mut checked = Vec::new();
    macro_rules! check {
        ($model:literal, $projection:literal, $body:expr, $request:expr) => {{
            let reply = world.ask($model, $body).await.ok();
            assert_eq!(reply["result"], world.expected(&$request), "{}", $model);
            let lag = world.lag($projection);
            assert_eq!(reply["position"], json!(lag.checkpoint), "{}", $model);
            assert_eq!(reply["as_of"], json!(lag.as_of), "{}", $model);
            checked.push($model);
        }};
    }
    check!(
        "customer360",
        "customer360",
        json!({"customer_id": customer_id, "timeline": 7, "as_of": AS_OF}),
        Customer360Request {
            customer_id: customer,
            timeline: 7,
            as_of: as_of.clone(),
            recorded_as_of: None
        }
    );
    check!(
        "customers",
        "customer360",
        json!({}),
        CustomersRequest { as_of: None, recorded_as_of: None }
    );
    check!(
        "funnel",
        "funnel",
        json!({"by": "rep", "period": "month"}),
        FunnelRequest {
            by: ltc_projections::models::funnel::Dimension::Rep,
            period: ltc_projections::models::period::Period::Month,
            as_of: None,
            recorded_as_of: None,
        }
    );
    check!(
        "leads",
        "leads",
        json!({"by": "score_band"}),
        LeadsRequest {
            by: ltc_projections::models::leads::LeadDimension::ScoreBand,
            as_of: None,
            recorded_as_of: None
        }
    );
    check!(
        "stalled",
        "stalled",
        json!({"as_of": AS_OF}),
        StalledRequest { as_of: as_of.clone(), recorded_as_of: None }
    );
    check!(
        "forecast",
        "forecast",
        json!({"period": "2026-Q1", "runs": 300, "seed": 7}),
        ForecastRequest {
            period: "2026-Q1".into(),
            runs: 300,
            seed: 7,
            as_of: None,
            recorded_as_of: None
        }
    );
    check!(
        "win-probabilities",
        "forecast",
        json!({}),
        WinProbabilitiesRequest { as_of: None, recorded_as_of: None }
    );
    check!(
        "ar-aging",
        "collections",
        json!({"by_customer": true, "as_of": AS_OF}),
        ArAgingRequest { by_customer: true, as_of: as_of.clone(), recorded_as_of: None }
    );
    check!(
        "collections",
        "collections",
        json!({"period": "quarter", "by_customer": true}),
        CollectionsRequest {
            period: ltc_projections::models::period::Period::Quarter,
            by_customer: true,
            as_of: None,
            recorded_as_of: None,
        }
    );
    check!(
        "dso",
        "collections",
        json!({"days": 30, "as_of": AS_OF}),
        DsoRequest { days: 30, as_of: as_of.clone(), recorded_as_of: None }
    );
    check!(
        "reps",
        "reps",
        json!({"period": "2026-Q1"}),
        RepsRequest { period: "2026-Q1".into(), as_of: None, recorded_as_of: None }
    );
    check!(
        "events",
        "event_counts",
        json!({}),
        EventsRequest { as_of: None, recorded_as_of: None }
    );

    let served: Vec<&str> = ltc_services::nats::queries::ENDPOINTS
        .iter()
        .map(|endpoint| endpoint.name)
        .filter(|name| *name != "audit")
        .collect();
    checked.sort_unstable();
    let mut served = served;
    served.sort_unstable();
    assert_eq!(checked, served, "every read-model endpoint is checked (audit has its own test)");
}

#[tokio::test]
async fn an_empty_body_asks_with_every_option_at_its_default() {
    let world = World::new().await;
    let empty = ask_raw(&world.client, "funnel", Vec::new()).await.ok();
    let defaults = world.ask("funnel", json!({"by": "region", "period": "quarter"})).await.ok();
    assert_eq!(empty, defaults);
}

#[tokio::test]
async fn a_question_without_a_date_stands_on_today_or_on_the_logs_last_day_when_that_is_later() {
    let world = World::new().await;
    let last = last_recorded_at(&world.store).expect("the log's end").expect("a history");
    let last_day = last.date_naive().to_string();
    // The service's clock behind the history (a generated or copied log): the log knows of
    // later days, so its receivables are aged as of its own last one.
    world.clock.set(chrono::Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap());
    let behind = world.ask("ar-aging", json!({})).await.ok();
    assert_eq!(behind["result"]["as_of"], json!(last_day));
    let stalled = world.ask("stalled", json!({})).await.ok();
    assert_eq!(stalled["result"]["as_of"], json!(last_day));
    // The clock past the history: today, as for any live system.
    world.clock.set(chrono::Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap());
    let ahead = world.ask("ar-aging", json!({})).await.ok();
    assert_eq!(ahead["result"]["as_of"], json!("2026-12-01"));
}

#[tokio::test]
async fn as_of_a_past_day_rebuilds_the_models_the_query_reads_up_to_that_day() {
    let world = World::new().await;
    let date = NaiveDate::from_ymd_opt(2026, 2, 15).unwrap();
    let reply = world.ask("funnel", json!({"as_of": "2026-02-15"})).await.ok();

    let snapshot = world
        .models()
        .as_of(
            vec![Box::new(ltc_projections::models::funnel::Funnel::default())],
            ltc_services::queries::end_of_day(date),
            &mut |_| {},
        )
        .expect("an as-of rebuild");
    let request = FunnelRequest {
        by: ltc_projections::models::funnel::Dimension::Region,
        period: ltc_projections::models::period::Period::Quarter,
        as_of: None,
        recorded_as_of: None,
    };
    let expected = request.query(&snapshot.reader().expect("a reader"), date).expect("answers");
    assert_eq!(reply["result"], serde_json::to_value(expected).unwrap());
    assert_eq!(reply["position"], json!(snapshot.upto()));
    let as_of: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(reply["as_of"].clone()).expect("a recorded time");
    assert!(as_of <= ltc_services::queries::end_of_day(date), "{as_of}");
    assert!(snapshot.upto() < world.lag("funnel").checkpoint, "the day is in the past");
}

#[tokio::test]
async fn after_a_rebuild_is_swapped_in_the_service_reads_the_new_generation() {
    let world = World::new().await;
    let before = world.ask("events", json!({})).await.ok();
    let head = world.store.head().position;
    assert_eq!(before["position"], json!(head));

    // Rebuilding to a past position swaps in a generation that stands there: a service still
    // reading the old generation would go on saying `head`.
    let target = head / 2;
    let request = RebuildRequest {
        projection: None,
        target: ltc_projections::RebuildTarget::Position(ltc_eventstore::Position(target)),
    };
    world.models().rebuild(&request, &mut |_| {}).expect("a rebuild");
    let after = world.ask("events", json!({})).await.ok();
    assert_eq!(after["position"], json!(target));
    let total: u64 = after["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["n_events"].as_u64().unwrap())
        .sum();
    assert_eq!(total, target, "the new generation counts the events up to the target");
}

#[tokio::test]
async fn shutdown_answers_every_request_already_received() {
    let mut world = World::new().await;
    let customer_id = world.first_customer().await;
    let body = json!({"customer_id": customer_id}).to_string();
    let requests: Vec<_> = (0..64)
        .map(|_| {
            let (client, body) = (world.client.clone(), body.clone());
            async move { client.request("ltc.qry.customer360", body.into()).await }
        })
        .collect();
    let replies = tokio::spawn(futures::future::join_all(requests));
    // Let the requests reach the service before it is told to stop.
    world.client.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(100)).await;
    world.service.take().expect("running").shutdown().await.expect("a clean shutdown");
    for reply in replies.await.expect("the requests finish") {
        let reply = reply.expect("every request received before the shutdown is answered");
        let body: Value = serde_json::from_slice(&reply.payload).expect("JSON");
        assert_eq!(body["ok"], true, "{body}");
    }
    let after = world.client.request("ltc.qry.customer360", body.into()).await;
    assert!(
        matches!(&after, Err(error) if error.kind() == async_nats::client::RequestErrorKind::NoResponders),
        "nobody answers once the only instance is gone: {after:?}"
    );
}
