//! What the CLI's integration tests share: `paydesk simulate` in its own process, and a till that
//! runs `paydesk` against it.
// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_paydesk");

/// `paydesk simulate --port 0` in the background, killed on drop.
pub struct Simulator {
    child: Child,
    /// `127.0.0.1:PORT`
    pub host: String,
}

impl Simulator {
    pub fn start() -> Simulator {
        Self::start_with(&[])
    }

    /// With extra environment for the simulator process.
    pub fn start_with(env: &[(&str, String)]) -> Simulator {
        let mut child = Command::new(BIN)
            .args(["simulate", "--port", "0"])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("paydesk simulate starts");
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
        let url = first.split_whitespace().find(|w| w.starts_with("http://")).expect("address line");
        Simulator { host: url.trim_start_matches("http://").to_string(), child }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("http://{}", self.host)
    }

    /// The base URL to give `paydesk` for `gateway`.
    pub fn base_url(&self, gateway: &str) -> String {
        format!("http://{}/{gateway}/", self.host)
    }

    /// One plain HTTP/1.1 request to the simulator: (status, body).
    pub fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = std::net::TcpStream::connect(&self.host).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host,
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("an HTTP status line");
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    /// How many requests reached `gateway` at a path containing `path` (the simulator's count).
    pub fn requests(&self, gateway: &str, path: &str) -> u64 {
        let (status, body) = self.request("GET", &format!("/_sim/requests?gateway={gateway}&path_contains={path}"), "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["count"].as_u64().unwrap()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Presses a button on a pay page ("pay", "underpay", "expire") as the customer's browser would.
pub fn press(pay_link: &str, button: &str) {
    let url = format!("{pay_link}/{button}");
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).unwrap();
    assert!(status.contains(" 303 "), "{status}");
}

/// One till: a ledger and a settings file of its own, credentials from the environment (the
/// simulator's accounts), every gateway call to the simulator.
pub struct Till {
    pub dir: tempfile::TempDir,
    gateway: &'static str,
    base_url: String,
}

impl Till {
    pub fn new(sim: &Simulator, gateway: &'static str) -> Till {
        Till { dir: tempfile::tempdir().unwrap(), gateway, base_url: sim.base_url(gateway) }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let info = paydesk_gateways::registry().into_iter().find(|g| g.info().id == self.gateway).unwrap().info();
        let mut cmd = Command::new(BIN);
        cmd.arg("--ledger").arg(self.ledger()).args(args);
        if ["charge", "status", "retry"].contains(&args[0]) {
            cmd.args(["--base-url", &self.base_url]);
        }
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
            cmd.env_remove(key);
        }
        cmd.env("PAYDESK_DATA_DIR", self.dir.path());
        for (field, value) in paydesk_gatewaysim::gateways::credentials(self.gateway) {
            if info.fields.iter().any(|f| f.name == *field) {
                cmd.env(info.env_var(field), value);
            }
        }
        cmd.output().expect("paydesk runs")
    }

    /// `args --json`, which must succeed; its JSON answer.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(&[args, &["--json"]].concat());
        assert!(out.status.success(), "paydesk {args:?}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
    }

    /// Charges `amount`, the customer presses `button` on the pay page, then one status check.
    pub fn sell(&self, amount: &str, button: &str) -> (serde_json::Value, serde_json::Value) {
        let created = self.json(&["charge", "--gateway", self.gateway, "--amount", amount]);
        assert_eq!(created["status"], "pending", "{created}");
        press(created["pay_link"].as_str().unwrap(), button);
        let order = created["order_id"].as_str().unwrap();
        let after = self.json(&["status", order]);
        (created, after)
    }

    pub fn ledger(&self) -> std::path::PathBuf {
        self.dir.path().join("ledger.sqlite3")
    }

    /// The sale's audit trail, oldest first: (status, gateway_status, detail).
    pub fn trail(&self, order: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let conn = rusqlite::Connection::open(self.ledger()).unwrap();
        let mut rows = conn
            .prepare(
                "SELECT status, gateway_status, detail FROM invoice_events
                 WHERE invoice_id = (SELECT id FROM invoices WHERE order_id = ?1) ORDER BY id",
            )
            .unwrap();
        rows.query_map([order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
