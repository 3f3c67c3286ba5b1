//! `paydesk relay` as a process: the shop database's address from the environment (shown only
//! masked), gateways served from `PAYDESK_<GATEWAY>_<FIELD>` without a keyring, real HTTP, and a
//! clean stop on Ctrl-C (SIGINT). The relay's answers themselves are tested in paydesk-relay.

use paydesk_pgcluster::Cluster;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

mod common;

use common::{text, BIN};

fn relay_command() -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
        cmd.env_remove(key);
    }
    cmd.env("PAYDESK_KEYRING_SERVICE", format!("paydesk-test-{}", std::process::id()));
    cmd.args(["relay", "--listen", "127.0.0.1:0"]);
    cmd
}

/// One HTTP/1.1 request over a fresh connection: the status code and the body.
fn http(addr: &str, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let code = answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (code, body)
}

#[test]
fn without_a_shop_database_address_the_relay_says_how_to_give_one() {
    let out = relay_command().output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--shop-database"), "{}", text(&out.stderr));
}

#[test]
fn the_relay_serves_the_gateways_with_credentials_masks_the_password_and_stops_on_ctrl_c() {
    let cluster = Cluster::start().unwrap();
    let key =
        *paydesk_gatewaysim::gateways::credentials("oxapay").iter().find(|(f, _)| *f == "merchant_api_key").unwrap();
    let mut child = relay_command()
        .env("PAYDESK_SHOP_DATABASE_URL", cluster.url())
        .env("PAYDESK_OXAPAY_MERCHANT_API_KEY", key.1)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the relay ended early: {printed}");
        printed.push_str(&line);
        if let Some(rest) = line.strip_prefix("relay listening on http://") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    assert!(printed.contains("shop database: postgres://paydesk:***@127.0.0.1:"), "{printed}");
    assert!(printed.contains(&format!("oxapay     callback URL http://{addr}/callback/oxapay")), "{printed}");
    assert!(printed.contains("demo       not served"), "{printed}");

    let (code, body) = http(&addr, "GET", "/health", &[], b"");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"schema_version\":1") && body.contains("\"gateways\":[\"oxapay\"]"), "{body}");
    let forged = paydesk_gatewaysim::callbacks::oxapay("PD-1", "1", "Paid", "not-the-key");
    assert_eq!(http(&addr, "POST", "/callback/oxapay", &forged.headers, &forged.body).0, 401);
    let genuine = paydesk_gatewaysim::callbacks::oxapay("PD-1", "1", "Paid", key.1);
    assert_eq!(http(&addr, "POST", "/callback/oxapay", &genuine.headers, &genuine.body).0, 404, "no such sale yet");

    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    stdout.read_to_string(&mut printed).unwrap();
    let mut errors = String::new();
    child.stderr.take().unwrap().read_to_string(&mut errors).unwrap();
    assert!(status.success(), "{status}: {errors}");
    assert!(printed.ends_with("relay stopped\n"), "{printed}");
    for output in [&printed, &errors] {
        assert!(!output.contains(cluster.password()), "{output}");
        assert!(!output.contains(key.1), "{output}");
    }
    assert!(errors.contains("relay: callback oxapay order -: 401"), "{errors}");
    assert!(errors.contains("relay: callback oxapay order PD-1: 404"), "{errors}");
}
