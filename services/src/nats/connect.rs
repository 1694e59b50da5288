//! Connecting to NATS as every ltc service does: one set of options (clap flags on `ltc
//! serve`), reconnects forever with the client's backoff, and asynchronous server errors
//! logged. A permission violation does not fail the publish that caused it: the server reports
//! it later on the connection (shared/NATS.md), so the event callback is where it shows.

use std::path::PathBuf;

use async_nats::{Client, ConnectError, ConnectOptions, Event};

/// Where the NATS server is and how to log in to it. At most one way to log in is used:
/// creds file, then nkey seed, then token, then user and password.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NatsOptions {
    /// The NATS server (`nats://host:port`; several separated by commas).
    #[arg(long = "nats", value_name = "URL", default_value = "nats://127.0.0.1:4222")]
    pub url: String,
    #[arg(long = "nats-user", value_name = "USER", requires = "password")]
    pub user: Option<String>,
    #[arg(long = "nats-password", value_name = "PASSWORD", env = "LTC_NATS_PASSWORD")]
    pub password: Option<String>,
    #[arg(long = "nats-token", value_name = "TOKEN", env = "LTC_NATS_TOKEN")]
    pub token: Option<String>,
    /// A file holding an nkey seed (`SU…`).
    #[arg(long = "nats-nkey", value_name = "FILE")]
    pub nkey_seed_file: Option<PathBuf>,
    /// A `.creds` file (JWT and nkey seed), as `nsc` writes them.
    #[arg(long = "nats-creds", value_name = "FILE")]
    pub creds_file: Option<PathBuf>,
    /// The connection's name, as the server's monitoring shows it.
    #[arg(skip)]
    pub name: Option<String>,
}

impl NatsOptions {
    /// Options for a server at `url` without login, as the tests use.
    pub fn at(url: impl Into<String>) -> NatsOptions {
        NatsOptions { url: url.into(), ..NatsOptions::default() }
    }

    /// The client's options: login, name, reconnects forever (also on the first connect, so a
    /// service may start before its server) and server errors logged.
    pub async fn connect_options(&self) -> std::io::Result<ConnectOptions> {
        let options = if let Some(creds) = &self.creds_file {
            ConnectOptions::with_credentials_file(creds).await?
        } else if let Some(seed_file) = &self.nkey_seed_file {
            let seed = std::fs::read_to_string(seed_file)?;
            ConnectOptions::with_nkey(seed.trim().to_owned())
        } else if let Some(token) = &self.token {
            ConnectOptions::with_token(token.clone())
        } else if let (Some(user), Some(password)) = (&self.user, &self.password) {
            ConnectOptions::with_user_and_password(user.clone(), password.clone())
        } else {
            ConnectOptions::new()
        };
        let options = match &self.name {
            Some(name) => options.name(name),
            None => options.name("ltc"),
        };
        Ok(options.max_reconnects(None).event_callback(|event| async move { log_event(&event) }))
    }
}

/// Why ltc could not connect.
#[derive(Debug, thiserror::Error)]
pub enum NatsConnectError {
    #[error("reading NATS credentials: {0}")]
    Credentials(#[from] std::io::Error),
    #[error("connecting to NATS: {0}")]
    Connect(#[from] ConnectError),
}

/// Connects with `options`; fails at once when the server is unreachable or refuses the login.
pub async fn connect(options: &NatsOptions) -> Result<Client, NatsConnectError> {
    Ok(options.connect_options().await?.connect(options.url.as_str()).await?)
}

fn log_event(event: &Event) {
    match event {
        Event::Connected => tracing::info!("NATS connected"),
        Event::Disconnected => tracing::warn!("NATS disconnected; reconnecting"),
        Event::ServerError(error) => tracing::error!(%error, "NATS server error"),
        Event::ClientError(error) => tracing::error!(%error, "NATS client error"),
        Event::SlowConsumer(subscription) => {
            tracing::warn!(subscription, "NATS slow consumer: messages were dropped")
        }
        other => tracing::info!(event = %other, "NATS"),
    }
}
