//! Sending to real peers on this machine: a network printer that takes everything, one that is
//! off, one that stalls, one that hangs up mid-receipt; a device file that exists and one that
//! does not. Every wait is bounded and measured.

use paydesk_printer::{encode, send, test_ticket, Layout, PaperWidth, PrintError, PrinterUri};
use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// More than loopback's socket buffers on both sides hold, so a peer that stops reading stalls
/// the sender.
const LARGE: usize = 32 * 1024 * 1024;

fn listener() -> (TcpListener, PrinterUri) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, PrinterUri::Tcp { host: "127.0.0.1".into(), port })
}

fn receipt() -> Vec<u8> {
    encode(&test_ticket(PaperWidth::Mm80), &Layout::default()).unwrap()
}

/// A printer that reads everything until the sender is done, and hands over what it got.
fn capturing(l: TcpListener) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        tx.send(got).unwrap();
    });
    rx
}

#[test]
fn a_network_printer_receives_every_byte() {
    let (l, uri) = listener();
    let got = capturing(l);
    let bytes = receipt();
    send(&uri, &bytes, Duration::from_secs(5)).unwrap();
    assert_eq!(got.recv_timeout(Duration::from_secs(5)).unwrap(), bytes);
}

#[test]
fn a_printer_found_by_name_receives_every_byte() {
    let (l, uri) = listener();
    let PrinterUri::Tcp { port, .. } = uri else { unreachable!() };
    let got = capturing(l);
    let uri: PrinterUri = format!("tcp://localhost:{port}").parse().unwrap();
    send(&uri, b"\x1b@", Duration::from_secs(5)).unwrap();
    assert_eq!(got.recv_timeout(Duration::from_secs(5)).unwrap(), b"\x1b@");
}

#[test]
fn a_printer_that_is_off_refuses_at_once() {
    let (l, uri) = listener();
    drop(l);
    let started = Instant::now();
    let err = send(&uri, &receipt(), Duration::from_secs(5)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    let PrintError::Refused { printer, .. } = &err else { panic!("{err:?}") };
    assert_eq!(printer, &uri.to_string()["tcp://".len()..]);
    assert!(err.to_string().ends_with("refused the connection: is it on and on the network?"), "{err}");
    assert!(err.is_retryable());
}

#[test]
fn a_printer_that_stops_reading_times_out_on_time() {
    let (l, uri) = listener();
    let (release, held) = mpsc::channel::<()>();
    let peer = thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        // Holds the connection open, reading nothing, until the test is done.
        let _ = held.recv();
        drop(s);
    });
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = send(&uri, &vec![b'x'; LARGE], timeout).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, PrintError::Timeout { secs: 1, .. }), "{err:?}");
    assert!(took >= timeout && took < timeout + Duration::from_secs(1), "took {took:?}");
    drop(release);
    peer.join().unwrap();
}

#[test]
fn a_printer_that_hangs_up_mid_receipt_is_reported_with_how_far_it_got() {
    let (l, uri) = listener();
    let peer = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut first = [0u8; 100];
        s.read_exact(&mut first).unwrap();
    });
    let started = Instant::now();
    let err = send(&uri, &vec![b'x'; LARGE], Duration::from_secs(5)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    match err {
        PrintError::Dropped { sent, total, .. } => assert!(sent < total && total == LARGE, "{sent} of {total}"),
        PrintError::Refused { .. } => {}
        other => panic!("{other:?}"),
    }
    peer.join().unwrap();
}

#[test]
fn a_device_file_gets_the_bytes() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let uri: PrinterUri = format!("file://{}", file.path().display()).parse().unwrap();
    let bytes = receipt();
    send(&uri, &bytes, Duration::from_secs(5)).unwrap();
    assert_eq!(std::fs::read(file.path()).unwrap(), bytes);
}

#[test]
fn a_device_that_is_not_there_is_a_device_error() {
    let dir = tempfile::tempdir().unwrap();
    let uri = PrinterUri::Device(dir.path().join("lp0"));
    let err = send(&uri, b"\x1b@", Duration::from_secs(5)).unwrap_err();
    assert!(matches!(err, PrintError::Device { .. }), "{err:?}");
    assert!(err.to_string().contains("lp0"), "{err}");
}

/// A named pipe nobody reads blocks even the open: the print must still end at the deadline.
#[cfg(unix)]
#[test]
fn a_device_that_blocks_times_out_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("lp0");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let timeout = Duration::from_millis(500);
    let started = Instant::now();
    let err = send(&PrinterUri::Device(fifo.clone()), b"\x1b@", timeout).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, PrintError::Timeout { secs: 1, .. }), "{err:?}");
    assert!(took >= timeout && took < timeout + Duration::from_secs(1), "took {took:?}");
    // Let the helper thread left blocked in open() finish.
    let _ = std::fs::File::open(&fifo).and_then(|mut f| f.read_to_end(&mut Vec::new()));
}
