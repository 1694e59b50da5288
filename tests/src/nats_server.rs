//! A private `nats-server` per test: random port, JetStream in its own temporary directory,
//! killed when dropped. Tests never use the machine's shared server on 4222, so they run in
//! parallel and fault tests can stop and restart their own.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting server may take to write its ports file (it takes ~25 ms).
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// What a missing server tells the person running the tests.
pub const INSTALL_HINT: &str =
    "nats-server is not installed: `sudo apt-get install -y nats-server` (README, Tests)";

/// A running `nats-server` owned by one test.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    config: Option<PathBuf>,
    dir: tempfile::TempDir,
}

impl NatsServer {
    /// A server with JetStream on a random loopback port. Panics, naming the install command,
    /// when `nats-server` is missing: a test that needs NATS never skips.
    pub fn start() -> NatsServer {
        NatsServer::launch(None, None)
    }

    /// A server run with this configuration file text (accounts, users, permissions), still on
    /// a random port with JetStream in its own directory. The configuration is checked with
    /// `nats-server -t` first, so a typo fails the test rather than being ignored.
    pub fn start_with_config(config: &str) -> NatsServer {
        let dir = tempfile::tempdir().expect("a temporary directory for nats-server");
        let path = dir.path().join("nats.conf");
        std::fs::write(&path, config).expect("write the nats-server configuration");
        check_config(&path);
        NatsServer::launch_in(dir, Some(path), None)
    }

    fn launch(config: Option<PathBuf>, port: Option<u16>) -> NatsServer {
        let dir = tempfile::tempdir().expect("a temporary directory for nats-server");
        NatsServer::launch_in(dir, config, port)
    }

    fn launch_in(dir: tempfile::TempDir, config: Option<PathBuf>, port: Option<u16>) -> NatsServer {
        let child = spawn(dir.path(), config.as_deref(), port);
        let pid = child.id();
        let mut server = NatsServer { child: Some(child), port: 0, config, dir };
        server.port = server.wait_for_port(pid);
        server
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where JetStream keeps its files; survives [`NatsServer::restart`].
    pub fn store_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kills the server (SIGKILL: no goodbye to clients), leaving its JetStream files.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port over the same JetStream files, as an operator
    /// restarting it would; clients reconnect to the same address.
    pub fn restart(&mut self) {
        self.stop();
        // The old ports file would be read as the new server's.
        for entry in std::fs::read_dir(self.dir.path()).expect("read the server directory") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|extension| extension == "ports") {
                std::fs::remove_file(path).expect("remove the old ports file");
            }
        }
        let child = spawn(self.dir.path(), self.config.as_deref(), Some(self.port));
        let pid = child.id();
        self.child = Some(child);
        let port = self.wait_for_port(pid);
        assert_eq!(port, self.port, "nats-server restarted on another port");
    }

    fn wait_for_port(&mut self, pid: u32) -> u16 {
        let ports_file = self.dir.path().join(format!("nats-server_{pid}.ports"));
        let started = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&ports_file)
                && let Some(port) = client_port(&text)
            {
                return port;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("nats-server exited at start ({status}); its log: {}", self.log());
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "nats-server wrote no ports file in {START_TIMEOUT:?}; its log: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("nats-server.log")).unwrap_or_default()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(dir: &Path, config: Option<&Path>, port: Option<u16>) -> Child {
    let mut command = Command::new("nats-server");
    if let Some(config) = config {
        command.arg("-c").arg(config);
    }
    let port = port.map_or_else(|| "-1".to_owned(), |port| port.to_string());
    command
        .args(["-a", "127.0.0.1", "-p", &port, "-js", "-sd"])
        .arg(dir)
        .arg("--ports_file_dir")
        .arg(dir)
        .arg("-l")
        .arg(dir.join("nats-server.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match command.spawn() {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
        Err(error) => panic!("cannot start nats-server: {error}"),
    }
}

/// Fails the test when `nats-server -t` rejects the file (2.9.10 refuses unknown keys).
pub fn check_config(path: &Path) {
    let output = match Command::new("nats-server").arg("-t").arg("-c").arg(path).output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
        Err(error) => panic!("cannot run nats-server -t: {error}"),
    };
    assert!(
        output.status.success(),
        "nats-server rejects {}: {}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The client port from a ports file: `{"nats": ["nats://127.0.0.1:PORT"], ...}` (2.9.10
/// names the client listener `nats`).
fn client_port(text: &str) -> Option<u16> {
    let ports: serde_json::Value = serde_json::from_str(text).ok()?;
    let url = ports.get("nats")?.as_array()?.first()?.as_str()?;
    url.rsplit(':').next()?.parse().ok()
}
