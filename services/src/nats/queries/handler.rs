//! One query request, from body to reply. The body is read as the endpoint's request type
//! (unknown fields refused; an empty body is `{}`), answered on the blocking pool, and sent back
//! as `{"ok": true, "position", "as_of", "result"}`, or as `{"ok": false, "error": {code,
//! message}}` with `Nats-Service-Error` (the code) and `Nats-Service-Error-Code` (its status,
//! HTTP-like). Nothing a client sends can panic the service: every failure is a [`QueryError`],
//! and a panic inside a query (a bug) becomes `query.unavailable` for that request alone.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_nats::Client;
use async_nats::HeaderMap;
use async_nats::service::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE, Request};
use serde::de::DeserializeOwned;

use crate::queries::{
    ArAgingRequest, AuditRequest, CollectionsRequest, Customer360Request, CustomersRequest,
    DsoRequest, ErrorReply, EventsRequest, ForecastRequest, FunnelRequest, LeadsRequest, Query,
    QueryError, QuerySource, Reply, RepsRequest, StalledRequest, WinProbabilitiesRequest,
};

/// Runs one request body against the source: blocking.
type Run = fn(&QuerySource, &[u8]) -> Result<Vec<u8>, QueryError>;

/// One endpoint: `ltc.qry.<name>`.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub name: &'static str,
    run: Run,
}

impl Endpoint {
    /// Where the request's JSON Schema is committed, relative to the workspace root.
    pub fn request_schema(&self) -> String {
        format!("schemas/queries/{}.request.json", self.name)
    }

    pub fn reply_schema(&self) -> String {
        format!("schemas/queries/{}.reply.json", self.name)
    }
}

/// Every endpoint the service offers: each read model `ltc query` answers, and the audit.
pub const ENDPOINTS: [Endpoint; 13] = [
    endpoint::<Customer360Request>(),
    endpoint::<CustomersRequest>(),
    endpoint::<FunnelRequest>(),
    endpoint::<LeadsRequest>(),
    endpoint::<StalledRequest>(),
    endpoint::<ForecastRequest>(),
    endpoint::<WinProbabilitiesRequest>(),
    endpoint::<ArAgingRequest>(),
    endpoint::<CollectionsRequest>(),
    endpoint::<DsoRequest>(),
    endpoint::<RepsRequest>(),
    endpoint::<EventsRequest>(),
    Endpoint { name: AUDIT, run: run_audit },
];

/// The audit's endpoint name: `ltc.qry.audit`.
pub const AUDIT: &str = "audit";

const fn endpoint<Q: Query>() -> Endpoint {
    Endpoint { name: Q::NAME, run: run::<Q> }
}

/// Error replies per endpoint and code. The micro library counts an error only when it sends
/// an empty body; ours carry a JSON body, so the service counts them itself and shows them in
/// `$SRV.STATS` under each endpoint's `data`.
#[derive(Debug, Clone, Default)]
pub struct ErrorCounts {
    counts: Arc<Mutex<BTreeMap<String, BTreeMap<&'static str, u64>>>>,
}

impl ErrorCounts {
    fn record(&self, endpoint: &str, code: &'static str) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry(endpoint.to_owned()).or_default().entry(code).or_default() += 1;
    }

    /// `{"errors": n, "errors_by_code": {code: n}}` for one endpoint.
    pub fn stats_data(&self, endpoint: &str) -> serde_json::Value {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let by_code = counts.get(endpoint).cloned().unwrap_or_default();
        let errors: u64 = by_code.values().sum();
        serde_json::json!({ "errors": errors, "errors_by_code": by_code })
    }
}

/// What every request of one endpoint shares.
#[derive(Debug, Clone)]
pub(super) struct Context {
    pub client: Client,
    pub source: QuerySource,
    pub endpoint: Endpoint,
    pub errors: ErrorCounts,
}

/// Answers one request; a reply that cannot be sent (the requester left, the connection
/// dropped) is logged, since nobody is left to tell.
pub(super) async fn answer(context: &Context, request: Request) {
    let source = context.source.clone();
    let run = context.endpoint.run;
    let body = request.message.payload.clone();
    let outcome = tokio::task::spawn_blocking(move || run(&source, &body)).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(%error, endpoint = context.endpoint.name, "a query failed");
            Err(QueryError::Unavailable("the query stopped unexpectedly".to_owned()))
        }
    };
    let max = u64::try_from(context.client.server_info().max_payload).unwrap_or(u64::MAX);
    let outcome = outcome.and_then(|reply| {
        let bytes = u64::try_from(reply.len()).unwrap_or(u64::MAX);
        if bytes > max { Err(QueryError::ReplyTooLarge { bytes, max }) } else { Ok(reply) }
    });
    let sent = match outcome {
        Ok(reply) => request.respond(Ok(reply.into())).await,
        Err(error) => {
            context.errors.record(context.endpoint.name, error.code());
            let mut headers = HeaderMap::new();
            headers.insert(NATS_SERVICE_ERROR, error.code());
            headers.insert(NATS_SERVICE_ERROR_CODE, (error.status() as u16).to_string().as_str());
            request.respond_with_headers(Ok(error_body(&error).into()), headers).await
        }
    };
    if let Err(error) = sent {
        tracing::warn!(%error, endpoint = context.endpoint.name, "replying to a query");
    }
}

fn run<Q: Query>(source: &QuerySource, body: &[u8]) -> Result<Vec<u8>, QueryError> {
    let request: Q = parse(body)?;
    let answered = source.answer(&request)?;
    to_json(&Reply::new(answered.freshness, answered.result))
}

fn run_audit(source: &QuerySource, body: &[u8]) -> Result<Vec<u8>, QueryError> {
    let request: AuditRequest = parse(body)?;
    let answered = source.audit(&request)?;
    to_json(&Reply::new(answered.freshness, answered.result))
}

/// The body as `T`; an empty body is `{}`, so a query without options needs no body at all.
/// Read as JSON first, then as the request: whether a body is JSON at all and whether it is this
/// request are separate answers, which serde_json's own error categories do not keep apart.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, QueryError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| QueryError::MalformedJson(error.to_string()))?;
    serde_json::from_value(json).map_err(|error| QueryError::InvalidRequest(error.to_string()))
}

fn to_json<T: serde::Serialize>(reply: &T) -> Result<Vec<u8>, QueryError> {
    serde_json::to_vec(reply).map_err(|error| QueryError::Corrupt(error.to_string()))
}

fn error_body(error: &QueryError) -> Vec<u8> {
    // An `ErrorReply` is strings and a bool: serialising it cannot fail.
    serde_json::to_vec(&ErrorReply::from(error)).unwrap_or_default()
}
