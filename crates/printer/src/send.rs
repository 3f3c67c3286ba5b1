//! Sending bytes to a printer, blocking but never longer than the timeout given (plus a few
//! milliseconds): every step waits only for what is left of one deadline.

use crate::{PrintError, PrinterUri};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a network printer gets, after the last byte, to say it dropped the receipt (a reset)
/// before it counts as taken. Printers keep the connection open, so waiting for its end would
/// wait for the timeout.
const LINGER: Duration = Duration::from_millis(250);
/// How often a print queue's `lp` is checked for having finished.
const POLL: Duration = Duration::from_millis(10);

/// Sends `bytes` to the printer at `uri`, returning once they are taken, or the reason they were
/// not, within `timeout`.
pub fn send(uri: &PrinterUri, bytes: &[u8], timeout: Duration) -> Result<(), PrintError> {
    let deadline = Deadline { end: Instant::now() + timeout, timeout, printer: uri.label() };
    match uri {
        PrinterUri::Tcp { host, port } => send_tcp(host, *port, bytes, &deadline),
        PrinterUri::Device(path) => send_device(path, bytes, &deadline),
        PrinterUri::Queue(name) => send_queue(Path::new("lp"), name, bytes, &deadline),
    }
}

pub(crate) struct Deadline {
    end: Instant,
    timeout: Duration,
    printer: String,
}

impl Deadline {
    /// What is left, or the timeout error when nothing is.
    fn left(&self) -> Result<Duration, PrintError> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(self.timed_out())
        } else {
            Ok(left)
        }
    }

    fn timed_out(&self) -> PrintError {
        PrintError::Timeout { printer: self.printer.clone(), secs: self.timeout.as_secs_f64().ceil() as u64 }
    }
}

fn send_tcp(host: &str, port: u16, bytes: &[u8], deadline: &Deadline) -> Result<(), PrintError> {
    let printer = || deadline.printer.clone();
    let addrs = resolve(host, port, deadline)?;
    let mut last = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, deadline.left()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = match (stream, last) {
        (Some(s), _) => s,
        (None, Some(e)) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            return Err(deadline.timed_out())
        }
        (None, Some(e)) if e.kind() == ErrorKind::ConnectionRefused => {
            return Err(PrintError::Refused { printer: printer(), reason: "is it on and on the network?".into() })
        }
        (None, e) => {
            let why = e.map_or_else(|| "no address for it".into(), |e| e.to_string());
            return Err(PrintError::Refused {
                printer: printer(),
                reason: format!("{why}; is it on and on the network?"),
            });
        }
    };
    let dropped = |sent| PrintError::Dropped { printer: printer(), sent, total: bytes.len() };
    let mut sent = 0;
    while sent < bytes.len() {
        let left = deadline.left()?;
        stream.set_write_timeout(Some(left)).map_err(|_| deadline.timed_out())?;
        match stream.write(&bytes[sent..]) {
            Ok(0) => return Err(dropped(sent)),
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(deadline.timed_out())
            }
            Err(_) => return Err(dropped(sent)),
        }
    }
    // All bytes are with the kernel; a printer that reset the connection meanwhile did not take
    // them. Wait briefly for its answer: the end of the connection, status bytes, or a reset.
    let _ = stream.shutdown(Shutdown::Write);
    let linger = LINGER.min(deadline.left().unwrap_or(Duration::from_millis(1)));
    let linger_end = Instant::now() + linger;
    let mut buf = [0u8; 256];
    loop {
        let left = linger_end.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Ok(());
        }
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted) => {
                return Err(dropped(sent))
            }
            Err(_) => return Ok(()),
        }
    }
}

/// The host's addresses; a name is looked up on a helper thread so a slow DNS server cannot hold
/// the print past the deadline (the lookup itself cannot be cancelled and ends on its own).
fn resolve(host: &str, port: u16, deadline: &Deadline) -> Result<Vec<SocketAddr>, PrintError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = format!("{host}:{port}");
    thread::spawn(move || {
        let _ = tx.send(name.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(deadline.left()?) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err(PrintError::Refused {
            printer: deadline.printer.clone(),
            reason: format!("the name {host} is not known on this network"),
        }),
        Err(_) => Err(deadline.timed_out()),
    }
}

/// Opens and writes the device on a helper thread: opening a printer's device file can block (an
/// offline USB printer, a pipe nobody reads) and a blocked open or write cannot be interrupted. At
/// the deadline the thread is left behind, blocked, and ends when the device lets go.
fn send_device(path: &Path, bytes: &[u8], deadline: &Deadline) -> Result<(), PrintError> {
    let (tx, rx) = mpsc::channel();
    let (path, data) = (path.to_path_buf(), bytes.to_vec());
    thread::spawn(move || {
        let written = OpenOptions::new().write(true).open(&path).and_then(|mut f| {
            f.write_all(&data)?;
            f.flush()
        });
        let _ = tx.send(written);
    });
    match rx.recv_timeout(deadline.left()?) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(PrintError::Device { printer: deadline.printer.clone(), reason: e.to_string() }),
        Err(_) => Err(deadline.timed_out()),
    }
}

/// The arguments for `lp`: the queue, raw (the bytes go to the printer untouched, not through a
/// text or PDF filter), the job read from standard input.
pub(crate) fn lp_args(queue: &str) -> Vec<String> {
    ["-d", queue, "-o", "raw", "-t", "Paydesk receipt", "--", "-"].map(String::from).to_vec()
}

/// Hands the bytes to the print queue `queue` through `program` (CUPS' `lp`), killing it at the
/// deadline.
pub(crate) fn send_queue(program: &Path, queue: &str, bytes: &[u8], deadline: &Deadline) -> Result<(), PrintError> {
    let failed = |reason: String| PrintError::Queue { printer: deadline.printer.clone(), reason };
    let mut child = Command::new(program)
        .args(lp_args(queue))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("could not run {}: {e}", program.display())))?;
    // Feed stdin and read stderr on helpers so a full pipe cannot block this thread; both end
    // when the child does (or is killed).
    let mut stdin = child.stdin.take().expect("piped stdin");
    let data = bytes.to_vec();
    thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline.end => thread::sleep(POLL.min(deadline.end - Instant::now())),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(deadline.timed_out());
            }
            Err(e) => return Err(failed(e.to_string())),
        }
    };
    if status.success() {
        return Ok(());
    }
    let left = deadline.end.saturating_duration_since(Instant::now()).max(Duration::from_millis(50));
    let said = rx.recv_timeout(left).unwrap_or_default();
    let said = said.trim();
    Err(failed(if said.is_empty() { format!("lp ended with {status}") } else { said.to_string() }))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn deadline(secs: u64) -> Deadline {
        Deadline {
            end: Instant::now() + Duration::from_secs(secs),
            timeout: Duration::from_secs(secs),
            printer: "lp://Kitchen".into(),
        }
    }

    /// A stand-in for `lp`: a shell script in a temporary directory.
    fn fake_lp(dir: &Path, body: &str) -> std::path::PathBuf {
        let path = dir.join("lp");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn lp_is_asked_for_a_raw_job_on_the_queue() {
        assert_eq!(lp_args("Kitchen"), ["-d", "Kitchen", "-o", "raw", "-t", "Paydesk receipt", "--", "-"]);
    }

    #[test]
    fn a_queue_gets_the_bytes_on_lps_standard_input() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let lp = fake_lp(dir.path(), &format!("echo \"$@\" > '{0}.args'; cat > '{0}'", out.display()));
        let bytes: Vec<u8> = (0..=255).cycle().take(70_000).collect();
        send_queue(&lp, "Kitchen", &bytes, &deadline(10)).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), bytes);
        let args = std::fs::read_to_string(dir.path().join("out.args")).unwrap();
        assert_eq!(args.trim(), "-d Kitchen -o raw -t Paydesk receipt -- -");
    }

    #[test]
    fn a_queue_that_refuses_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let lp = fake_lp(dir.path(), "cat > /dev/null; echo 'lp: The printer or class does not exist.' >&2; exit 1");
        let err = send_queue(&lp, "Nope", b"x", &deadline(10)).unwrap_err();
        assert_eq!(
            err,
            PrintError::Queue {
                printer: "lp://Kitchen".into(),
                reason: "lp: The printer or class does not exist.".into()
            }
        );
        let missing = send_queue(&dir.path().join("no-lp"), "Kitchen", b"x", &deadline(10)).unwrap_err();
        assert!(matches!(missing, PrintError::Queue { .. }), "{missing:?}");
    }

    #[test]
    fn a_queue_that_hangs_is_killed_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let lp = fake_lp(dir.path(), "exec sleep 30");
        let started = Instant::now();
        let err = send_queue(&lp, "Kitchen", b"x", &deadline(1)).unwrap_err();
        assert!(matches!(err, PrintError::Timeout { secs: 1, .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    }
}
