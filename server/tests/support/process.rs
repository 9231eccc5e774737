//! The real `stackprint serve` binary on free loopback ports, for tests that crash it or measure it.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client::Http;

pub struct Ports {
    pub api: String,
    pub agent: String,
    pub otlp: String,
    /// An admin's API token for the explorer port.
    pub token: String,
}

impl Ports {
    /// A connection to the explorer port, signed in with [`Ports::token`].
    pub async fn api_client(&self) -> anyhow::Result<Http> {
        Http::connect_as(&self.api, &self.token).await
    }
}

fn free_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free loopback port");
    format!("127.0.0.1:{port}")
}

/// Starts `stackprint serve` on a SQLite database at `db`, with `extra` flags.
pub fn spawn(db: &Path, extra: &[&str]) -> (Child, Ports) {
    let ports = Ports {
        api: free_port(),
        agent: free_port(),
        otlp: free_port(),
        token: admin_token(db),
    };
    let child = Command::new(env!("CARGO_BIN_EXE_stackprint"))
        .args(["serve", "--listen", &ports.api])
        .args(["--agent-listen", &ports.agent, "--otlp-listen", &ports.otlp])
        .args(extra)
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .env("STACKPRINT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start stackprint");
    (child, ports)
}

/// An admin and an admin API token for the database at `db`, made once with the CLI as an operator
/// would, and kept beside it so that a restarted server is reached with the same token.
pub fn admin_token(db: &Path) -> String {
    std::fs::create_dir_all(db.parent().expect("database in a directory")).expect("database dir");
    admin_token_at(
        &format!("sqlite://{}", db.display()),
        &db.with_extension("token"),
    )
}

/// [`admin_token`] for any database URL; the token is kept in the file `kept`.
pub fn admin_token_at(url: &str, kept: &Path) -> String {
    if let Ok(token) = std::fs::read_to_string(kept) {
        return token;
    }
    let cli = |args: &[&str], stdin: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stackprint"))
            .args(args)
            .args(["--database-url", url])
            .env("STACKPRINT_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run the stackprint CLI");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("write stdin");
        let out = child.wait_with_output().expect("stackprint CLI");
        assert!(out.status.success(), "stackprint {args:?}: {}", out.status);
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let email = "admin@stackprint.test";
    cli(
        &["admin", "create", "--email", email, "--password-stdin"],
        b"correct horse battery staple\n",
    );
    let token = cli(
        &[
            "token", "create", "--email", email, "--name", "tests", "--role", "admin",
        ],
        b"",
    )
    .trim()
    .to_owned();
    std::fs::write(kept, &token).expect("keep the token");
    token
}

/// Waits until the explorer port answers an authenticated request.
pub async fn wait_ready(ports: &Ports) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = &ports.api;
    while Instant::now() < deadline {
        if let Ok(mut http) = ports.api_client().await {
            if let Ok((200, _)) = http.request("GET", "/api/v1/stats", &[], &[]).await {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("stackprint did not answer on {addr} within 30 s");
}
