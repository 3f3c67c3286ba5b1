//! Receipts and the customer display through the app's API (`Till`), on a Demo sale paid on the
//! simulator over loopback, with a real ledger file and real files written.

use paydesk_money::InvoiceStatus;
use paydesk_till::api::{ChargeRequest, InvoiceView, SettingsInput, Till};
use paydesk_till::credentials::CredentialStore;
use std::path::Path;
use std::time::Duration;

struct Fixture {
    dir: tempfile::TempDir,
    _sim: paydesk_gatewaysim::RunningSim,
    till: Till,
}

/// A till with a shop name and terminal label, and one Demo sale of 12.34 USD paid in full.
async fn paid_sale() -> (Fixture, InvoiceView) {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    let settings = SettingsInput {
        shop_name: Some("Corner Café (Main St)".into()),
        terminal_label: Some("till2".into()),
        ..SettingsInput::defaults()
    };
    till.save_settings(settings).unwrap();
    let mut request = ChargeRequest::typed("demo", "12.34", "USD");
    request.sale.description = Some("Table 4".into());
    let sold = till.charge(request).await.unwrap();
    let link = sold.pay_link.clone().unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(client.post(format!("{link}/pay")).send().await.unwrap().status().as_u16(), 303);
    let paid = till.follow(&sold.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    (Fixture { dir, _sim: sim, till }, paid)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_receipt_of_a_paid_sale_has_its_lines_and_code() {
    let (f, sale) = paid_sale().await;
    let view = f.till.receipt(&sale.order_id).unwrap();
    let r = &view.receipt;
    assert_eq!(r.shop_name.as_deref(), Some("Corner Café (Main St)"));
    assert_eq!(r.order_id, sale.order_id);
    assert!(sale.order_id.starts_with("TILL2-"), "the terminal label prefixes the order id: {}", sale.order_id);
    let line = |label: &str| r.lines.iter().find(|l| l.label == label).map(|l| l.value.as_str());
    assert_eq!(line("Terminal"), Some("TILL2"));
    assert_eq!(line("Order"), Some(sale.order_id.as_str()));
    assert_eq!(line("Gateway"), Some(sale.gateway_name.as_str()));
    assert_eq!(line("Description"), Some("Table 4"));
    assert_eq!(line("Status"), Some("Paid"));
    assert_eq!(line("Amount"), Some("12.34 USD"));
    // In the till's own zone, as the clerk's watch says.
    let offset = paydesk_money::clock::local_offset_secs(sale.created_at) / 60;
    let zone = match offset {
        0 => " UTC".to_string(),
        m => format!(" UTC{}{:02}:{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60),
    };
    assert!(line("Time").unwrap().ends_with(&zone), "{:?} should end with {zone:?}", line("Time"));
    assert_eq!(r.pay_link, sale.pay_link);
    assert!(view.qr_svg.as_deref().unwrap().contains("<svg"));
}

#[tokio::test]
async fn the_pdf_appears_whole_named_by_the_order_id() {
    let (f, sale) = paid_sale().await;
    let exports = f.dir.path().join("exports");
    let path = f.till.save_receipt_pdf(&sale.order_id, &exports).unwrap();
    assert_eq!(Path::new(&path), exports.join(format!("receipt-{}.pdf", sale.order_id)));
    let pdf = std::fs::read(&path).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4\n") && pdf.ends_with(b"%%EOF\n"));
    assert!(pdf.windows(sale.order_id.len()).any(|w| w == sale.order_id.as_bytes()));
    // Saving again replaces the file and leaves no temp file behind.
    assert_eq!(f.till.save_receipt_pdf(&sale.order_id, &exports).unwrap(), path);
    assert_eq!(names_in(&exports), [format!("receipt-{}.pdf", sale.order_id)]);
}

#[tokio::test]
async fn a_bad_request_is_refused_and_writes_nothing() {
    let (f, sale) = paid_sale().await;
    let exports = f.dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    for (key, code) in [("NO-SUCH-ORDER", "not_found"), ("PD-\u{1b}[2J", "bad_input"), (&"X".repeat(65), "bad_input")] {
        let saved = f.till.save_receipt_pdf(key, &exports).unwrap_err();
        assert_eq!(saved.code(), code, "{key:?}: {saved}");
        assert_eq!(f.till.receipt(key).unwrap_err().code(), code);
    }
    assert!(names_in(&exports).is_empty(), "nothing was written: {:?}", names_in(&exports));

    // A place that cannot be a directory: an error naming the file, and nothing written.
    let blocked = f.dir.path().join("blocked");
    std::fs::write(&blocked, b"a file, not a directory").unwrap();
    let err = f.till.save_receipt_pdf(&sale.order_id, &blocked).unwrap_err();
    assert_eq!(
        (err.code(), err.exit_code()),
        (paydesk_till::error::ErrorCode::LocalFailure, 1),
        "a disk problem is not bad input"
    );
    assert!(err.to_string().contains("could not write"), "{err}");
    assert_eq!(std::fs::read(&blocked).unwrap(), b"a file, not a directory");
}

#[tokio::test]
async fn the_customer_sees_the_amount_and_code_or_a_welcome() {
    let (f, sale) = paid_sale().await;
    let idle = f.till.customer_view(None).unwrap();
    assert_eq!(idle.shop_name.as_deref(), Some("Corner Café (Main St)"));
    assert_eq!(idle.language, "en");
    assert!(idle.invoice.is_none());

    let shown = f.till.customer_view(Some(&sale.order_id)).unwrap().invoice.unwrap();
    assert_eq!((shown.amount.as_str(), shown.currency.as_str()), ("12.34", "USD"));
    assert_eq!((shown.status, shown.is_final), (InvoiceStatus::Paid, true));
    assert_eq!(shown.order_id, sale.order_id);
    assert!(shown.qr_svg.unwrap().contains("<svg"));
    // What the cashier typed about the sale stays off the customer's screen.
    let json = serde_json::to_string(&f.till.customer_view(Some(&sale.order_id)).unwrap()).unwrap();
    assert!(!json.contains("Table 4"), "{json}");

    assert_eq!(f.till.customer_view(Some("NO-SUCH-ORDER")).unwrap_err().code(), "not_found");
    assert_eq!(f.till.customer_view(Some("bad\nkey")).unwrap_err().code(), "bad_input");
}
