//! What the CLI's integration tests share: `paydesk simulate` in its own process.
// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

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
