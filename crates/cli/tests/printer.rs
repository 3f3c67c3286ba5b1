//! `paydesk receipt print` and `paydesk printer test` as a shop owner runs them, against a virtual
//! printer: a TCP listener on loopback keeping every byte, read back with the printer's decoder.

use paydesk_printer::decode::decode;
use paydesk_till::api::Till;
use paydesk_till::credentials::CredentialStore;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

mod common;

use common::{text, BIN};

fn paydesk(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
        cmd.env_remove(key);
    }
    cmd.env("PAYDESK_DATA_DIR", dir).args(args).output().unwrap()
}

/// A printer on loopback taking one job per connection; returns its URI and the jobs' bytes.
fn virtual_printer() -> (String, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("tcp://{}", listener.local_addr().unwrap());
    let (tell, jobs) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut bytes = Vec::new();
            let _ = stream.map(|mut s| s.read_to_end(&mut bytes));
            if tell.send(bytes).is_err() {
                return;
            }
        }
    });
    (uri, jobs)
}

#[test]
fn a_receipt_and_a_test_page_print_on_the_printer_given() {
    let dir = tempfile::tempdir().unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    let cash = till.record_cash_sale("6.50", "USD", Some("Table 4".into())).unwrap();
    drop(till);
    let (uri, jobs) = virtual_printer();

    let out = paydesk(dir.path(), &["receipt", "print", &cash.order_id, "--printer", &uri, "--paper", "58"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = decode(&jobs.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
    assert!(printed.lines.iter().any(|l| l.contains(&cash.order_id)), "{printed:?}");
    assert!(printed.strong_lines.iter().any(|l| l.contains("6.50 USD")), "{printed:?}");
    assert!(printed.lines.iter().all(|l| l.chars().count() <= 32), "{printed:?}");
    assert_eq!((printed.cuts, printed.drawer_kicks), (1, 0));

    let out = paydesk(dir.path(), &["printer", "test", "--printer", &uri]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = decode(&jobs.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
    assert_eq!((page.qr.len(), page.cuts), (1, 1), "{page:?}");
    assert!(page.lines.iter().any(|l| l.chars().count() == 48), "an 80 mm ruler by default: {page:?}");
}

#[test]
fn a_printer_that_is_not_there_is_said_plainly_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = paydesk(dir.path(), &["printer", "test", "--printer", &format!("tcp://127.0.0.1:{port}")]);
    assert_eq!(out.status.code(), Some(1), "printer trouble is local trouble");
    assert!(text(&out.stderr).contains("refused"), "{}", text(&out.stderr));
    for args in [
        &["printer", "test"][..],
        &["printer", "test", "--printer", "ftp://x"],
        &["printer", "test", "--printer", "tcp://127.0.0.1:9", "--paper", "57"],
    ] {
        assert_eq!(paydesk(dir.path(), args).status.code(), Some(2), "{args:?}");
    }
}
