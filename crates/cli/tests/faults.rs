//! A gateway fault as a cashier at the terminal meets it: `paydesk simulate` in its own process,
//! a 502 armed over its control endpoint, then `paydesk charge` and `paydesk invoices --json`.

use paydesk_core::http::RetryPolicy;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");

/// `paydesk simulate --port 0`, killed on drop.
struct Simulator {
    child: Child,
    /// `127.0.0.1:PORT`
    host: String,
}

impl Simulator {
    fn start() -> Simulator {
        let mut child = Command::new(BIN)
            .args(["simulate", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("paydesk simulate starts");
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
        let base = first.split_whitespace().find(|w| w.starts_with("http://")).expect("address line");
        Simulator { host: base.trim_start_matches("http://").to_string(), child }
    }

    /// One plain HTTP/1.1 request to the simulator: (status, body).
    fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.host).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host,
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn paydesk(ledger: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--ledger").arg(ledger).args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
        cmd.env_remove(key);
    }
    cmd.output().expect("paydesk runs")
}

#[test]
fn a_502_from_the_gateway_is_one_clear_line_and_an_unknown_sale() {
    let sim = Simulator::start();
    let arm = r#"{"fault":{"kind":"status","status":502,"body":"html"},"gateway":"demo","path_contains":"invoices","times":10}"#;
    assert_eq!(sim.request("POST", "/_sim/faults", arm).0, 204);

    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let base = format!("http://{}/demo/", sim.host);
    let out = paydesk(&ledger, &["charge", "--gateway", "demo", "--amount", "12.34", "--base-url", &base]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "the gateway answered something unreadable: {stderr}");
    assert!(out.stdout.is_empty(), "no invoice to show");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let line = lines[0];
    assert!(line.starts_with("paydesk: ") && line.ends_with(" [gateway_bad_response]"), "{line}");
    assert!(line.contains("HTTP 502"), "{line}");
    assert!(!line.contains('<') && !line.contains("nginx"), "no raw body: {line}");

    // The create is safe to resend on Demo, so it went as often as the policy allows.
    let (status, count) = sim.request("GET", "/_sim/requests?gateway=demo&path_contains=invoices", "");
    assert_eq!(status, 200);
    let count: serde_json::Value = serde_json::from_str(&count).unwrap();
    assert_eq!(count["count"], RetryPolicy::default().attempts);

    let out = paydesk(&ledger, &["invoices", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().expect("a list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "unknown", "the invoice may exist: {}", rows[0]);
    assert_eq!(rows[0]["amount"], serde_json::json!({"currency": "USD", "minor": 1234}));
    assert_eq!(rows[0]["pay_link"], serde_json::Value::Null);
    let message = line.trim_start_matches("paydesk: ").trim_end_matches(" [gateway_bad_response]");
    assert_eq!(rows[0]["last_error"], message);
}
