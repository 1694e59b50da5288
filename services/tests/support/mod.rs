//! `ltc serve` as a child process for the tests: started on a data directory against a private
//! nats-server, stopped with SIGTERM or SIGKILL, its log kept in a file beside the directory.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ltc_domain::actor::Role;
use ltc_domain::ids::UserId;
use ltc_services::users::{User, UserDirectory};
use serde_json::{Value, json};
use uuid::Uuid;

pub fn user(id: u128, name: &str, role: Role) -> User {
    User { id: UserId(Uuid::from_u128(id)), name: name.into(), role, team: None }
}

/// A fresh data directory whose user table holds `users`.
pub fn data_dir_with(users: &[User]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    UserDirectory::new(users.to_vec()).unwrap().save(&data.join("users.json")).unwrap();
    (dir, data)
}

/// The command id of the `n`th lead capture [`capture_until`] sends.
pub fn capture_command_id(n: u128) -> Uuid {
    Uuid::from_u128(0xc0de_0000_0000 + n)
}

/// Sends lead captures as `actor` with known command ids ([`capture_command_id`] of `first`,
/// `first + 1`, …) as fast as replies come, until `stop`; returns the ids whose reply said ok,
/// and the next unused `n`.
pub async fn capture_until(
    client: async_nats::Client,
    actor: &'static str,
    first: u128,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Vec<Uuid>, u128) {
    let mut acknowledged = Vec::new();
    let mut n = first;
    while !*stop.borrow() {
        let command_id = capture_command_id(n);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Ltc-Actor", actor);
        headers.insert("Ltc-Command-Id", command_id.to_string().as_str());
        let body = json!({"lead_id": Uuid::from_u128(0x1ead_0000_0000 + n), "channel": "api",
            "contact": {"name": format!("Lead {n}"), "email": format!("lead{n}@example.com"), "phone": null},
            "source": {}});
        n += 1;
        let request =
            client.request_with_headers("ltc.cmd.lead.capture", headers, body.to_string().into());
        // A request in flight when the process (or the server) dies gets no reply:
        // unacknowledged, not lost.
        match tokio::time::timeout(Duration::from_secs(2), request).await {
            Ok(Ok(reply)) => {
                let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
                if reply["ok"] == true {
                    acknowledged.push(command_id);
                }
            }
            // No responders while serve restarts: do not spin.
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    (acknowledged, n)
}

pub struct Serving {
    pub child: Child,
    log: std::path::PathBuf,
}

impl Serving {
    pub fn start(data: &std::path::Path, nats: &str, extra: &[&str]) -> Serving {
        let log = data.with_extension("log");
        let child = Command::new(env!("CARGO_BIN_EXE_ltc"))
            .args(["serve", "--data", data.to_str().unwrap(), "--nats", nats])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start ltc serve");
        Serving { child, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then the exit status within `within`.
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < within, "ltc serve ignored SIGTERM: {}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `ltc serve` has started every part: it says so in its log once all of them
/// are subscribed (a `$SRV.PING` answers as soon as the first service exists, before its
/// endpoints do).
pub async fn wait_until_answering(client: &async_nats::Client, serving: &Serving) {
    let started = Instant::now();
    while !serving.log().contains("ltc serve is ready") {
        assert!(started.elapsed() < Duration::from_secs(30), "never ready: {}", serving.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.flush().await.expect("the test's connection works");
}

/// Runs `ltc` to completion, whatever its exit: its output, for a test of failures too.
pub fn run_ltc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc")
}

/// What a finished `ltc` printed, stdout then stderr, for assertions and failure messages.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `ltc` to completion; its stdout, or a panic with its output when it fails.
pub fn ltc(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc");
    assert!(
        output.status.success(),
        "ltc {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("ltc prints UTF-8")
}

/// Runs `ltc` and fails the test if it has not finished within `within`; its stdout and stderr.
pub fn ltc_within(args: &[&str], within: Duration) -> (String, String) {
    let dir = tempfile::tempdir().expect("a directory for ltc's output");
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(args)
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("run ltc");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for ltc") {
            break status;
        }
        if started.elapsed() > within {
            let _ = child.kill();
            panic!(
                "ltc {args:?} still running after {within:?}: {}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (std::fs::read_to_string(out).unwrap(), std::fs::read_to_string(err).unwrap());
    assert!(status.success(), "ltc {args:?}: {out}{err}");
    (out, err)
}
