//! What the benchmarks in `bench/` and `benches/core.rs` (through `#[path]`) share: process
//! figures from /proc, timing summaries, a table, the ledger fill and a typical pay link.
//! Not an example itself (cargo only picks up `examples/*.rs` and `examples/*/main.rs`).

#![allow(dead_code)] // each example uses part of it

use std::time::{Duration, Instant};

pub mod ledger_fill;

/// A typical pay link (79 characters; real ones run 60 to 120) for timing the QR code. It fits
/// version 5 at level M in plain byte mode, so peers without mixed-mode encoding make the same size.
pub const PAY_LINK: &str = "https://pay.oxapay.com/13459827/184747701?order_id=PD-20261123-8F3KQ2ZP&lang=en";

/// A `/proc/self/status` figure in KiB (`VmRSS`: resident now, `VmHWM`: the peak so far).
pub fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status is readable (Linux)");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("/proc/self/status has no {field}"))
}

/// Open file descriptors, counted in /proc/self/fd (the directory handle used to count them is
/// left out, so the figure is what the process holds).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd is readable (Linux)").count() - 1
}

/// The 1-minute load average: figures taken while other work runs on the machine say so.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let one_minute = text.split_whitespace().next().unwrap_or("?");
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!("load average {one_minute} on {cpus} CPUs")
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Nearest-rank percentile (`p` in 0..=100) of durations; `None` when there are none.
pub fn percentile(samples: &[Duration], p: usize) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Runs `f` `reps` times and returns each run's duration with the last run's result.
pub fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> (Vec<Duration>, T) {
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    (times, last.expect("at least one repetition"))
}

/// Prints a Markdown table, columns padded so it also reads as plain text.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].len()).chain([header[c].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header.iter().map(|h| h.to_string()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for row in rows {
        line(row.clone());
    }
}

/// Collects what went wrong, so a run reports every problem and then exits non-zero.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    pub fn push(&mut self, what: String) {
        self.0.push(what);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Prints the failures and exits 1 if there are any.
    pub fn exit_if_any(self) {
        if self.0.is_empty() {
            return;
        }
        eprintln!("\nFAILED ({}):", self.0.len());
        const SHOWN: usize = 20;
        for f in self.0.iter().take(SHOWN) {
            eprintln!("  - {f}");
        }
        if self.0.len() > SHOWN {
            eprintln!("  ... and {} more", self.0.len() - SHOWN);
        }
        std::process::exit(1);
    }
}
