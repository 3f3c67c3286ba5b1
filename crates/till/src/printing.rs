//! Receipts on a counter printer: the till's receipt as an ESC/POS ticket, and a small queue that
//! sends each job off the caller's path and tries a failed one again a few times. Printer trouble
//! (offline, paper out, a refused or dropped connection) never touches a sale: a job only ever
//! reads the ledger, and its outcome is reported beside the sale, with a Reprint.

use crate::receipt::Receipt;
use paydesk_printer::{send, PrintError, PrinterUri, Ticket, TicketRow, TicketTax};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ts_rs::TS;

/// How long one attempt may take before the printer counts as not answering.
pub const PRINT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per job: the first, then retries after 2, 4 and 8 s (a printer being switched on, a
/// roll being changed). A job that fails them all waits for Reprint.
pub const ATTEMPTS: u32 = 4;
/// Jobs remembered for the screen: the newest; older finished ones are forgotten first.
const KEPT: usize = 20;

/// The till's receipt as the printer's ticket: the same words, laid out for paper.
pub fn ticket_of(receipt: &Receipt) -> Ticket {
    let row = |left: String, right: String, strong: bool| TicketRow { left, right, strong };
    Ticket {
        shop_name: receipt.shop_name.clone(),
        title: receipt.title.clone(),
        items: receipt
            .items
            .iter()
            .map(|i| row(format!("{} × {}", i.quantity, i.name), i.amount.clone(), false))
            .collect(),
        tax_columns: receipt.tax_columns.clone(),
        taxes: receipt
            .taxes
            .iter()
            .map(|t| TicketTax { rate: t.rate.clone(), net: t.net.clone(), tax: t.tax.clone(), gross: t.gross.clone() })
            .collect(),
        lines: receipt.lines.iter().map(|l| row(l.label.clone(), l.value.clone(), l.strong)).collect(),
        qr: receipt.pay_link.clone(),
        footer: receipt.pay_link.clone(),
    }
}

/// What a print job prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PrintKind {
    Receipt,
    Test,
    /// The drawer alone (a cash sale without an automatic receipt, or Open drawer).
    Drawer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PrintState {
    /// Waiting for its first attempt or its next retry.
    Queued,
    Printing,
    Printed,
    /// Every attempt failed: the error says why; Reprint sends it again.
    Failed,
}

/// A print job as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PrintJobView {
    #[ts(type = "number")]
    pub id: u64,
    pub kind: PrintKind,
    /// The sale whose receipt it is.
    pub order_id: Option<String>,
    pub state: PrintState,
    pub attempts: u32,
    /// Why the last attempt failed, for the cashier.
    pub error: Option<String>,
}

/// One job to send.
pub struct PrintJob {
    pub kind: PrintKind,
    pub order_id: Option<String>,
    pub printer: PrinterUri,
    pub bytes: Vec<u8>,
}

type Listener = Box<dyn Fn(&PrintJobView) + Send + Sync>;

/// The jobs of this till, newest last.
pub struct PrintQueue {
    jobs: Mutex<VecDeque<PrintJobView>>,
    next: AtomicU64,
    /// The pause before the first retry (doubled after each), in milliseconds; short in tests.
    first_backoff_ms: AtomicU64,
    /// Told of every change of every job (the window's event; a printed receipt's ledger note).
    listeners: Mutex<Vec<Listener>>,
}

impl Default for PrintQueue {
    fn default() -> PrintQueue {
        PrintQueue {
            jobs: Mutex::new(VecDeque::new()),
            next: AtomicU64::new(1),
            first_backoff_ms: AtomicU64::new(2_000),
            listeners: Mutex::new(Vec::new()),
        }
    }
}

impl PrintQueue {
    /// Sets the pause before the first retry (tests shorten it instead of waiting seconds).
    pub fn set_first_backoff(&self, pause: Duration) {
        self.first_backoff_ms.store(pause.as_millis() as u64, Ordering::Relaxed);
    }

    /// Calls `listener` with each job's every change, from the job's own task.
    pub fn listen(&self, listener: impl Fn(&PrintJobView) + Send + Sync + 'static) {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).push(Box::new(listener));
    }

    pub fn jobs(&self) -> Vec<PrintJobView> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// Queues `job` and sends it on a task of its own (the caller never waits for a printer).
    /// Needs a Tokio runtime.
    pub fn submit(self: &Arc<Self>, job: PrintJob) -> PrintJobView {
        let view = PrintJobView {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            kind: job.kind,
            order_id: job.order_id.clone(),
            state: PrintState::Queued,
            attempts: 0,
            error: None,
        };
        self.update(&view);
        let queue = self.clone();
        let first = view.clone();
        tokio::spawn(async move { queue.run(first, job).await });
        view
    }

    async fn run(&self, mut view: PrintJobView, job: PrintJob) {
        let job = Arc::new(job);
        let mut pause = Duration::from_millis(self.first_backoff_ms.load(Ordering::Relaxed));
        loop {
            view.attempts += 1;
            view.state = PrintState::Printing;
            self.update(&view);
            let sending = job.clone();
            let sent = tokio::task::spawn_blocking(move || send(&sending.printer, &sending.bytes, PRINT_TIMEOUT))
                .await
                .unwrap_or_else(|e| Err(PrintError::Encode(format!("the print task failed: {e}"))));
            match sent {
                Ok(()) => {
                    (view.state, view.error) = (PrintState::Printed, None);
                    self.update(&view);
                    return;
                }
                Err(e) => {
                    let last = !e.is_retryable() || view.attempts >= ATTEMPTS;
                    view.state = if last { PrintState::Failed } else { PrintState::Queued };
                    view.error = Some(e.to_string());
                    self.update(&view);
                    if last {
                        return;
                    }
                    tokio::time::sleep(pause).await;
                    pause = pause.saturating_mul(2);
                }
            }
        }
    }

    fn update(&self, view: &PrintJobView) {
        {
            let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            match jobs.iter_mut().find(|j| j.id == view.id) {
                Some(job) => *job = view.clone(),
                None => jobs.push_back(view.clone()),
            }
            while jobs.len() > KEPT {
                // The oldest finished job goes first; a queue of only live jobs keeps them all.
                let Some(at) = jobs.iter().position(|j| matches!(j.state, PrintState::Printed | PrintState::Failed))
                else {
                    break;
                };
                jobs.remove(at);
            }
        }
        for listener in self.listeners.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            listener(view);
        }
    }
}
