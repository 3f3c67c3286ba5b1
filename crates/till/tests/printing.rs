//! The counter printer through the app's API (`Till`), against a virtual printer: a TCP listener
//! on loopback that keeps every byte it is sent, read back with the printer crate's decoder.
//! Receipts print by themselves when a sale is paid (once), the drawer opens on cash and for a
//! manager, and a printer that refuses never touches the sale and is tried again.

use paydesk_money::InvoiceStatus;
use paydesk_printer::decode::{decode, Printed};
use paydesk_till::api::{ChargeRequest, SettingsInput, Till};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::printing::{PrintJobView, PrintKind, PrintState};
use std::sync::mpsc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// A printer on loopback: each connection's bytes, once it closes, arrive on the channel.
struct VirtualPrinter {
    port: u16,
    jobs: mpsc::Receiver<Vec<u8>>,
}

async fn virtual_printer_on(listener: tokio::net::TcpListener) -> VirtualPrinter {
    let port = listener.local_addr().unwrap().port();
    let (sent, jobs) = mpsc::channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let sent = sent.clone();
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                let _ = stream.read_to_end(&mut bytes).await;
                let _ = sent.send(bytes);
            });
        }
    });
    VirtualPrinter { port, jobs }
}

async fn virtual_printer() -> VirtualPrinter {
    virtual_printer_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await
}

impl VirtualPrinter {
    /// The next job the printer received, decoded; fails after `within`.
    fn next(&self, within: Duration) -> Printed {
        let bytes = self.jobs.recv_timeout(within).expect("the virtual printer received a job");
        decode(&bytes).unwrap()
    }
}

struct Counter {
    _dir: tempfile::TempDir,
    _sim: paydesk_gatewaysim::RunningSim,
    till: Till,
    /// Every print job change the till reported.
    changes: mpsc::Receiver<PrintJobView>,
}

async fn counter(printer: u16, change: impl FnOnce(&mut SettingsInput)) -> Counter {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo")))
        .unwrap()
        .with_print_backoff(Duration::from_millis(200));
    let mut settings = SettingsInput {
        printer: Some(format!("tcp://127.0.0.1:{printer}")),
        shop_name: Some("Corner Café".into()),
        ..SettingsInput::defaults()
    };
    change(&mut settings);
    till.save_settings(settings).unwrap();
    let (tell, changes) = mpsc::channel();
    till.on_print_job(move |job| {
        let _ = tell.send(job.clone());
    });
    Counter { _dir: dir, _sim: sim, till, changes }
}

impl Counter {
    /// Waits (bounded) until job `id` is printed or failed, and returns it as it ended.
    fn settled(&self, id: u64) -> PrintJobView {
        loop {
            let job = self.changes.recv_timeout(Duration::from_secs(30)).expect("the job settled in time");
            if job.id == id && matches!(job.state, PrintState::Printed | PrintState::Failed) {
                return job;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_sale_prints_its_receipt_by_itself_once_with_its_order_amount_and_qr() {
    let printer = virtual_printer().await;
    let c = counter(printer.port, |s| {
        s.auto_print = true;
        s.paper_width = paydesk_printer::PaperWidth::Mm58;
    })
    .await;
    let sold = c.till.charge(ChargeRequest::typed("demo", "12.34", "USD")).await.unwrap();
    assert!(c.till.print_jobs().is_empty(), "nothing prints before the sale is paid");
    let link = sold.pay_link.clone().unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(client.post(format!("{link}/pay")).send().await.unwrap().status().as_u16(), 303);
    let paid = c.till.follow(&sold.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);

    let printed = printer.next(Duration::from_secs(20));
    let text = printed.lines.join("\n");
    assert!(text.contains(&sold.order_id), "{text}");
    assert!(printed.strong_lines.iter().any(|l| l.contains("12.34 USD")), "{printed:?}");
    assert!(printed.lines.iter().all(|l| l.chars().count() <= 32), "58 mm paper holds 32 columns: {text}");
    assert_eq!(printed.qr, [link]);
    assert_eq!((printed.cuts, printed.drawer_kicks), (1, 0));
    let job = c.till.print_jobs().pop().unwrap();
    let job = if job.state == PrintState::Printed { job } else { c.settled(job.id) };
    assert_eq!(
        (job.kind, job.state, job.order_id.as_deref()),
        (PrintKind::Receipt, PrintState::Printed, Some(sold.order_id.as_str()))
    );

    // Following it again (a restart's follow) prints nothing more: the ledger knows it printed.
    c.till.follow(&sold.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(c.till.print_jobs().len(), 1);
    assert!(printer.jobs.recv_timeout(Duration::from_millis(300)).is_err(), "a second receipt printed");
    // A Reprint is the cashier's to ask for, and it prints.
    c.till.print_receipt(&sold.order_id).unwrap();
    assert!(printer.next(Duration::from_secs(20)).lines.join("\n").contains(&sold.order_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn cash_in_or_out_opens_the_drawer_and_with_auto_print_a_cash_sales_receipt_carries_the_kick() {
    let printer = virtual_printer().await;
    let c = counter(printer.port, |_| {}).await;
    c.till.record_cash_sale("5.00", "USD", None).unwrap();
    let kick = printer.next(Duration::from_secs(20));
    assert_eq!((kick.drawer_kicks, kick.cuts, kick.lines.len()), (1, 0, 0), "{kick:?}");
    // Money paid back comes out of the drawer too.
    c.till.record_refund("1.00", "USD", "wrong size", None).unwrap();
    let kick = printer.next(Duration::from_secs(20));
    assert_eq!((kick.drawer_kicks, kick.lines.len()), (1, 0), "{kick:?}");

    let mut settings = SettingsInput { auto_print: true, copies: 2, ..c.till.bootstrap().settings.saved };
    settings.paper_width = paydesk_printer::PaperWidth::Mm80;
    c.till.save_settings(settings).unwrap();
    let cash = c.till.record_cash_sale("7.50", "USD", None).unwrap();
    let receipt = printer.next(Duration::from_secs(20));
    assert_eq!((receipt.drawer_kicks, receipt.cuts), (1, 2), "one kick, and a cut after each of 2 copies");
    assert_eq!(receipt.lines.iter().filter(|l| l.contains(&cash.order_id)).count(), 2);
    assert!(receipt.lines.iter().all(|l| l.chars().count() <= 48));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_manager_opens_the_drawer_with_a_reason_and_the_report_says_who_and_when() {
    let printer = virtual_printer().await;
    let c = counter(printer.port, |_| {}).await;
    c.till.set_manager_pin(None, Some("2468".into())).unwrap();
    c.till.lock();
    assert_eq!(c.till.open_drawer("float").unwrap_err().code(), "manager_pin_required");
    c.till.unlock("2468".into()).unwrap();
    assert_eq!(c.till.open_drawer("  ").unwrap_err().code(), "bad_input");
    c.till.open_drawer("change for the float").unwrap();
    assert_eq!(printer.next(Duration::from_secs(20)).drawer_kicks, 1);
    let now = paydesk_money::clock::unix_now();
    let report = c.till.shift_report(now - 3600, now + 3600).unwrap();
    let opened: Vec<_> = report.drawer_openings.iter().map(|d| (d.who.as_str(), d.reason.as_str())).collect();
    assert_eq!(opened, [("the manager", "change for the float")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_printer_that_refuses_never_touches_the_sale_and_the_job_is_tried_again() {
    // A port with nothing listening: every connection is refused until the printer comes up.
    let port = {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        taken.local_addr().unwrap().port()
    };
    let c = counter(port, |_| {}).await;
    let cash = c.till.record_cash_sale("3.00", "USD", None).unwrap();
    let first = c.changes.recv_timeout(Duration::from_secs(10)).unwrap();
    // The sale is recorded and stays as it was, whatever the printer does.
    let refused = loop {
        let job = c.changes.recv_timeout(Duration::from_secs(10)).expect("the first attempt ended");
        if job.id == first.id && job.error.is_some() {
            break job;
        }
    };
    assert_eq!(refused.state, PrintState::Queued, "a refused job waits for its retry: {refused:?}");
    assert!(refused.error.as_deref().unwrap().contains("refused"), "{refused:?}");
    assert_eq!(c.till.invoice(&cash.order_id).unwrap(), cash);
    // The printer comes up on that port: the retry prints.
    let printer = virtual_printer_on(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap()).await;
    let done = c.settled(first.id);
    assert_eq!(done.state, PrintState::Printed, "{done:?}");
    assert!(done.attempts >= 2, "{done:?}");
    assert_eq!(printer.next(Duration::from_secs(20)).drawer_kicks, 1);
    assert_eq!(c.till.invoice(&cash.order_id).unwrap(), cash);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_printer_that_hangs_up_mid_receipt_gets_the_receipt_again_whole() {
    // The first connection is cut after 64 bytes; later ones are a working printer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let c = counter(listener.local_addr().unwrap().port(), |s| s.auto_print = true).await;
    let cutting = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 64];
        stream.read_exact(&mut head).await.unwrap();
        drop(stream);
        listener
    });
    let cash = c.till.record_cash_sale("4.20", "USD", None).unwrap();
    let printer = virtual_printer_on(cutting.await.unwrap()).await;
    let job = c.till.print_jobs().pop().unwrap();
    let done = c.settled(job.id);
    assert_eq!((done.kind, done.state), (PrintKind::Receipt, PrintState::Printed), "{done:?}");
    assert!(done.attempts >= 2, "the cut-off attempt was not counted as printed: {done:?}");
    let whole = printer.next(Duration::from_secs(20));
    assert!(whole.lines.iter().any(|l| l.contains(&cash.order_id)) && whole.cuts == 1, "{whole:?}");
    assert_eq!(c.till.invoice(&cash.order_id).unwrap(), cash, "the sale is as it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_printer_a_print_says_where_to_set_one() {
    let c = counter(9, |s| s.printer = None).await;
    let sale = c.till.record_cash_sale("1.00", "USD", None).unwrap();
    let refused = c.till.print_receipt(&sale.order_id).unwrap_err();
    assert_eq!(refused.code(), "bad_input");
    assert!(refused.to_string().contains("Settings → Printer"), "{refused}");
    assert!(c.till.print_jobs().is_empty());
}
