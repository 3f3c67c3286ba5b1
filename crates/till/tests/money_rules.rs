//! A shop's money rules through the app's API (`Till`): catalog items and a typed amount with tax
//! per rate and a tip, charged on the simulator over loopback; a price in euros charged in dollars
//! at the ECB's rate, fetched from a copy of its daily file served over loopback; cashiers and
//! shifts that end over and short; the report that sums them. Real ledger files throughout.

use paydesk_gatewaysim::gateways::dex3;
use paydesk_money::InvoiceStatus;
use paydesk_till::api::{ChargeRequest, InvoiceView, ItemLine, SaleRequest, SettingsInput, TaxRateView, Till};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 2026-12-03 16:00 in Frankfurt: when the fixture's rates were published.
const ECB_AS_OF: i64 = 1_796_310_000;
const ECB_FIXTURE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../money/tests/fixtures/ecb-eurofxref-daily.xml"));

struct Shop {
    dir: tempfile::TempDir,
    sim: paydesk_gatewaysim::RunningSim,
    till: Till,
    /// The till's clock (Unix seconds), moved by the tests instead of sleeping.
    now: Arc<AtomicI64>,
}

/// A till whose Dex3 account is the simulator's, with the clock at `now`.
async fn shop(now: i64, change: impl FnOnce(&mut SettingsInput)) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let clock = Arc::new(AtomicI64::new(now));
    let read = clock.clone();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo")))
        .unwrap()
        .with_clock(Arc::new(move || read.load(Ordering::SeqCst)));
    let mut settings = SettingsInput::defaults();
    settings.base_urls.insert("dex3".into(), sim.base_url("dex3"));
    change(&mut settings);
    till.save_settings(settings).unwrap();
    for (field, value) in dex3::GATEWAY.credentials {
        till.set_credential("dex3", field, value.to_string()).unwrap();
    }
    Shop { dir, sim, till, now: clock }
}

fn rate(name: &str, percent: &str, is_default: bool) -> TaxRateView {
    TaxRateView { name: name.into(), percent: percent.into(), inclusive: true, is_default }
}

fn sale(items: &[(i64, u32)], amount: &str, tip: Option<&str>, currency: &str) -> SaleRequest {
    SaleRequest {
        amount: amount.into(),
        items: items.iter().map(|&(item_id, quantity)| ItemLine { item_id, quantity }).collect(),
        tip: tip.map(String::from),
        currency: currency.into(),
        description: None,
    }
}

/// VAT 20 % (the default) and Reduced 5 %, both included in prices; Espresso 2.50 at Reduced,
/// Croissant 3.00 at the default. Returns their item ids.
fn stock(till: &Till) -> (i64, i64) {
    till.save_tax_rate(rate("VAT", "20", true)).unwrap();
    till.save_tax_rate(rate("Reduced", "5", false)).unwrap();
    let csv = "name,price,currency,tax_rate,barcode,category\n\
               Espresso,2.50,USD,Reduced,4006381333931,Coffee\n\
               Croissant,3.00,USD,,CR-1,Bakery\n";
    assert_eq!(till.import_catalog(csv).unwrap().items, 2);
    let id = |name: &str| till.items(name).unwrap()[0].id;
    (id("Espresso"), id("Croissant"))
}

/// Pays `sold` on the simulator and follows it to paid.
async fn pay(shop: &Shop, sold: &InvoiceView) -> InvoiceView {
    let link = sold.pay_link.clone().unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(client.post(format!("{link}/pay")).send().await.unwrap().status().as_u16(), 303);
    let paid = shop.till.follow(&sold.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    paid
}

#[tokio::test]
async fn two_items_a_typed_amount_and_a_tip_are_charged_with_their_tax_line_by_line() {
    let shop = shop(paydesk_money::clock::unix_now(), |_| {}).await;
    let (espresso, croissant) = stock(&shop.till);
    let request = ChargeRequest {
        gateway: "dex3".into(),
        sale: sale(&[(espresso, 2), (croissant, 1)], "4.00", Some("1.20"), "USD"),
    };
    // The screen's quote and the charge agree: 2 × 2.50 + 3.00 + 4.00 = 12.00, plus the tip.
    let quote = shop.till.quote(&request).unwrap();
    assert_eq!((quote.total.as_str(), quote.tip.as_deref(), quote.charged.is_none()), ("13.20", Some("1.20"), true));
    let sold = shop.till.charge(request).await.unwrap();
    assert_eq!((sold.amount.as_str(), sold.tip.as_deref()), ("13.20", Some("1.20")));
    let paid = pay(&shop, &sold).await;

    let receipt = shop.till.receipt(&paid.order_id).unwrap().receipt;
    let items: Vec<_> = receipt.items.iter().map(|i| (i.quantity, i.name.as_str(), i.amount.as_str())).collect();
    assert_eq!(items, [(2, "Espresso", "5.00 USD"), (1, "Croissant", "3.00 USD"), (1, "Amount", "4.00 USD")]);
    // Per rate, on the total, half-up: VAT 7.00 × 20/120 = 1.1666… → 1.17; Reduced 5.00 × 5/105
    // = 0.238… → 0.24. Net is what is left of the gross.
    let taxes: Vec<_> =
        receipt.taxes.iter().map(|t| (t.rate.as_str(), t.net.as_str(), t.tax.as_str(), t.gross.as_str())).collect();
    assert_eq!(
        taxes,
        [
            ("Reduced 5 % incl.", "4.76 USD", "0.24 USD", "5.00 USD"),
            ("VAT 20 % incl.", "5.83 USD", "1.17 USD", "7.00 USD")
        ]
    );
    assert_eq!(receipt.tax_columns, ["Net", "Tax", "Gross"]);
    assert!(receipt.lines.iter().any(|l| l.label == "of which tip" && l.value == "1.20 USD"), "{receipt:#?}");

    let now = paydesk_money::clock::unix_now();
    let report = shop.till.shift_report(now - 3600, now + 3600).unwrap();
    let usd = report.currencies.iter().find(|c| c.currency == "USD").unwrap();
    assert_eq!((usd.received.as_str(), usd.tips.as_str()), ("13.20", "1.20"));
    let taxes: Vec<_> = report.taxes.iter().map(|t| (t.name.as_str(), t.count, t.tax.as_str())).collect();
    assert_eq!(taxes, [("Reduced", 1, "0.24"), ("VAT", 1, "1.17")]);

    // Prices come from the catalog, never from the window: the catalog can change, the sale not.
    shop.till.import_catalog("name,price,currency,tax_rate,barcode,category\nTea,9.99,USD,,,\n").unwrap();
    let again = shop.till.receipt(&paid.order_id).unwrap().receipt;
    assert_eq!(again.items, receipt.items);
    let gone =
        shop.till.charge(ChargeRequest { gateway: "dex3".into(), sale: sale(&[(espresso, 1)], "", None, "USD") });
    assert_eq!(gone.await.unwrap_err().code(), "not_found");
    drop(shop.sim);
    drop(shop.dir);
}

#[tokio::test]
async fn a_sale_with_nothing_in_it_or_a_wild_quantity_is_refused_and_writes_nothing() {
    let shop = shop(paydesk_money::clock::unix_now(), |_| {}).await;
    let (espresso, _) = stock(&shop.till);
    for (items, amount) in [(vec![], ""), (vec![], "0"), (vec![(espresso, 0)], ""), (vec![(espresso, 1000)], "")] {
        let request = ChargeRequest { gateway: "dex3".into(), sale: sale(&items, amount, None, "USD") };
        let refused = shop.till.charge(request).await.unwrap_err();
        assert_eq!(refused.code(), "bad_input", "{items:?} {amount:?}: {refused}");
    }
    // An item priced in dollars on a sale in euros is not silently converted.
    let euros = ChargeRequest { gateway: "demo".into(), sale: sale(&[(espresso, 1)], "", None, "EUR") };
    assert!(shop.till.charge(euros).await.unwrap_err().to_string().contains("priced in USD"));
    assert!(shop.till.history("", 50, 0).unwrap().is_empty());
}

/// Serves `body` at any path over loopback, counting requests; stops with the test.
async fn serve(body: &'static str) -> (String, Arc<AtomicI64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stats/eurofxref/eurofxref-daily.xml", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicI64::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut request = vec![0u8; 4096];
            let _ = stream.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
    });
    (url, hits)
}

#[tokio::test]
async fn a_price_in_euros_is_charged_in_dollars_at_the_ecb_rate_until_the_rate_is_too_old() {
    let (url, hits) = serve(ECB_FIXTURE).await;
    let shop = shop(ECB_AS_OF + 3600, |s| {
        s.rates_url = Some(url.clone());
        s.max_rate_age_hours = 96;
    })
    .await;
    let euros = || ChargeRequest { gateway: "dex3".into(), sale: sale(&[], "18.50", Some("1.50"), "EUR") };
    // No rate held yet: refused with what to do, nothing written.
    let missing = shop.till.charge(euros()).await.unwrap_err();
    assert_eq!(missing.code(), "rate_missing", "{missing}");
    assert!(missing.to_string().contains("EUR to USD"), "{missing}");

    let held = shop.till.fetch_rates().await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(held.iter().any(|r| (r.base.as_str(), r.quote.as_str(), r.rate.as_str()) == ("EUR", "USD", "1.0512")));
    assert!(held.iter().all(|r| r.source == "ECB" && r.as_of == ECB_AS_OF), "{held:#?}");

    // Dex3 takes dollars only: 20.00 EUR (tip included) × 1.0512 = 21.024 → 21.02 USD; the tip
    // on its own 1.50 × 1.0512 = 1.5768 → 1.58 USD.
    let quote = shop.till.quote(&euros()).unwrap();
    let charged = quote.charged.clone().unwrap();
    assert_eq!((quote.total.as_str(), quote.currency.as_str()), ("20.00", "EUR"));
    assert_eq!((charged.amount.as_str(), charged.currency.as_str(), charged.rate.as_str()), ("21.02", "USD", "1.0512"));
    let sold = shop.till.charge(euros()).await.unwrap();
    assert_eq!((sold.amount.as_str(), sold.currency.as_str(), sold.tip.as_deref()), ("21.02", "USD", Some("1.58")));
    let invoice = shop.sim.sim.find_by_order("dex3", &sold.order_id).expect("the gateway got the sale");
    assert_eq!(invoice.amount_text(), "21.02", "the gateway was asked for the converted amount");
    let priced = sold.priced.clone().unwrap();
    assert_eq!((priced.amount.as_str(), priced.currency.as_str(), priced.rate.as_str()), ("20.00", "EUR", "1.0512"));
    assert_eq!((priced.source.as_str(), priced.as_of), ("ECB", ECB_AS_OF));
    // The customer sees both amounts.
    let shown = shop.till.customer_view(Some(&sold.order_id)).unwrap().invoice.unwrap();
    assert_eq!((shown.amount.as_str(), shown.priced.unwrap().amount.as_str()), ("21.02", "20.00"));
    let receipt = shop.till.receipt(&sold.order_id).unwrap().receipt;
    assert!(receipt.lines.iter().any(|l| l.value == "1 EUR = 1.0512 USD (ECB, 2026-12-03)"), "{:#?}", receipt.lines);

    // A pound price goes through the euro: 1.0512 / 0.83120 = 1.2646775746 (10 places, half-up),
    // and 10.00 GBP × that = 12.6467… → 12.65 USD.
    let pounds = ChargeRequest { gateway: "dex3".into(), sale: sale(&[], "10.00", None, "GBP") };
    let charged = shop.till.quote(&pounds).unwrap().charged.unwrap();
    assert_eq!((charged.amount.as_str(), charged.rate.as_str()), ("12.65", "1.2646775746"));

    // 96 hours after publication the rate still serves; one second later it is refused.
    shop.now.store(ECB_AS_OF + 96 * 3600, Ordering::SeqCst);
    assert!(shop.till.quote(&euros()).is_ok());
    shop.now.store(ECB_AS_OF + 96 * 3600 + 1, Ordering::SeqCst);
    let before = shop.till.history("", 50, 0).unwrap().len();
    let stale: Error = shop.till.charge(euros()).await.unwrap_err();
    assert_eq!(stale.code(), "rate_stale", "{stale}");
    assert!(stale.to_string().contains("old"), "the message says how old the rate is: {stale}");
    assert_eq!(shop.till.history("", 50, 0).unwrap().len(), before, "a refused sale writes nothing");
    // A rate set by hand now serves again.
    shop.till.set_rate("EUR", "USD", "1.05").unwrap();
    let charged = shop.till.quote(&euros()).unwrap().charged.unwrap();
    assert_eq!((charged.amount.as_str(), charged.source.as_str()), ("21.00", "manual"));
}

#[tokio::test]
async fn a_shift_that_ends_over_and_one_that_ends_short() {
    let shop = shop(paydesk_money::clock::unix_now(), |_| {}).await;
    let till = &shop.till;
    let ana = till.add_cashier("Ana", "90817263".into()).unwrap();
    let ben = till.add_cashier("Ben", "5678".into()).unwrap();
    // A till with cashiers sells only with one signed in, and in an open shift.
    assert_eq!(till.record_cash_sale("1.00", "USD", None).unwrap_err().code(), "cashier_required");
    assert_eq!(till.sign_in(ana.id, "9999".into()).unwrap_err().code(), "wrong_pin");
    let seller = till.sign_in(ana.id, "90817263".into()).unwrap();
    assert!(!format!("{seller:?}").contains("90817263"), "the PIN is not in the answer");
    assert_eq!((seller.cashiers_required, seller.cashier.unwrap().name.as_str()), (true, "Ana"));
    assert_eq!(till.record_cash_sale("1.00", "USD", None).unwrap_err().code(), "shift_required");
    assert!(till.history("", 50, 0).unwrap().is_empty());

    till.open_shift("100.00", "USD").unwrap();
    let cash = till.record_cash_sale("12.50", "USD", None).unwrap();
    assert_eq!(cash.cashier.as_deref(), Some("Ana"));
    till.record_refund("2.50", "USD", "wrong size", Some(cash.order_id.clone())).unwrap();
    // The drawer should hold 100.00 + 12.50 − 2.50 = 110.00; 111.00 is counted.
    let first = till.close_shift("111.00").unwrap();
    assert_eq!(
        (first.expected.as_str(), first.counted.as_deref(), first.over_short.as_deref()),
        ("110.00", Some("111.00"), Some("1.00"))
    );

    till.sign_in(ben.id, "5678".into()).unwrap();
    till.open_shift("50", "USD").unwrap();
    till.record_cash_sale("20.00", "USD", None).unwrap();
    let second = till.close_shift("68.00").unwrap();
    assert_eq!((second.expected.as_str(), second.over_short.as_deref()), ("70.00", Some("-2.00")));
    assert_eq!(till.close_shift("1.00").unwrap_err().code(), "shift_required", "no shift is open any more");

    let now = paydesk_money::clock::unix_now();
    let report = till.shift_report(now - 3600, now + 3600).unwrap();
    let shifts: Vec<_> = report.shifts.iter().map(|s| (s.cashier.as_str(), s.over_short.as_deref())).collect();
    assert_eq!(shifts, [("Ana", Some("1.00")), ("Ben", Some("-2.00"))]);
    let cashiers: Vec<_> = report
        .cashiers
        .iter()
        .map(|c| {
            (
                c.cashier.as_str(),
                c.totals.cash.as_str(),
                c.totals.refunds.as_str(),
                c.totals.net.as_str(),
                c.over_short.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        cashiers,
        [("Ana", "12.50", "2.50", "10.00", Some("1.00")), ("Ben", "20.00", "0.00", "20.00", Some("-2.00"))]
    );

    // A closed shift's figures are final, whoever writes: here a hand-made UPDATE on the file.
    let file = rusqlite::Connection::open(shop.dir.path().join("ledger.sqlite3")).unwrap();
    let edit = file.execute("UPDATE shifts SET counted_minor = 11000 WHERE id = ?1", [first.id]).unwrap_err();
    assert!(edit.to_string().contains("shift_closed"), "{edit}");
    let moved = file.execute("UPDATE invoices SET amount_minor = 1 WHERE order_id = ?1", [&cash.order_id]).unwrap_err();
    assert!(moved.to_string().contains("shift_closed"), "{moved}");
    let report_again = till.shift_report(now - 3600, now + 3600).unwrap();
    assert_eq!(report_again.shifts, report.shifts);
    // A shift left open by a cashier who signed out is closed by a manager, with the manager PIN.
    till.sign_in(ana.id, "90817263".into()).unwrap();
    till.open_shift("10.00", "USD").unwrap();
    till.sign_out().unwrap();
    till.set_manager_pin(None, Some("4321".into())).unwrap();
    till.lock();
    assert_eq!(till.close_shift("10.00").unwrap_err().code(), "manager_pin_required");
    till.unlock("4321".into()).unwrap();
    assert_eq!(till.close_shift("10.00").unwrap().over_short.as_deref(), Some("0.00"));

    // A cashier's PIN is kept only as its salted hash: it is in no ledger or settings file.
    drop(file);
    for entry in std::fs::read_dir(shop.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(8).any(|w| w == b"90817263"), "a PIN in a file");
    }
}

#[tokio::test]
async fn a_catalog_file_with_bad_rows_names_them_and_changes_nothing() {
    let shop = shop(paydesk_money::clock::unix_now(), |_| {}).await;
    stock(&shop.till);
    let before = shop.till.items("").unwrap();
    let bad = "name,price,currency,tax_rate,barcode,category\n\
               Tea,1.50,USD,,,\n\
               Scone,abc,USD,,,\n\
               Juice,2.00,USD,Luxury,,\n";
    let refused = shop.till.import_catalog(bad).unwrap_err();
    assert_eq!(refused.code(), "bad_input");
    let message = refused.to_string();
    assert!(message.contains("line 3, price") && message.contains("line 4, tax_rate"), "{message}");
    assert_eq!(shop.till.items("").unwrap(), before, "nothing was imported");
}

#[tokio::test]
async fn wrong_cashier_pins_lock_signing_in_out_and_a_restart_keeps_the_lock() {
    let now = paydesk_money::clock::unix_now();
    let shop = shop(now, |_| {}).await;
    let ana = shop.till.add_cashier("Ana", "1357".into()).unwrap();
    for _ in 1..paydesk_till::pin::MAX_WRONG_PINS {
        assert_eq!(shop.till.sign_in(ana.id, "0000".into()).unwrap_err().code(), "wrong_pin");
    }
    // The last wrong one starts the lock-out.
    assert_eq!(shop.till.sign_in(ana.id, "0000".into()).unwrap_err().code(), "pin_locked_out");
    assert_eq!(shop.till.sign_in(ana.id, "1357".into()).unwrap_err().code(), "pin_locked_out");
    let clock = shop.now.clone();
    let reopened = Till::open(shop.dir.path(), CredentialStore::in_memory(), None)
        .unwrap()
        .with_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
    assert_eq!(
        reopened.sign_in(ana.id, "1357".into()).unwrap_err().code(),
        "pin_locked_out",
        "a restart resets nothing"
    );
    // Once the lock-out has passed, the right PIN signs in.
    shop.now.store(now + paydesk_till::pin::LOCKOUT_SECS + 1, Ordering::SeqCst);
    assert_eq!(reopened.sign_in(ana.id, "1357".into()).unwrap().cashier.unwrap().name, "Ana");
}
