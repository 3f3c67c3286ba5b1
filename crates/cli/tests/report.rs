//! `paydesk report --json`, `catalog import` and `tax-rate set` as a shop owner runs them: the
//! binary against a till's data dir that the app's library also sells through.

use paydesk_till::api::{ItemLine, SaleRequest, Till};
use paydesk_till::credentials::CredentialStore;
use std::process::{Command, Output};

mod common;

use common::{text, BIN};

fn paydesk(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
        cmd.env_remove(key);
    }
    cmd.env("PAYDESK_DATA_DIR", dir).args(args).output().unwrap()
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = paydesk(dir, args);
    assert!(out.status.success(), "paydesk {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn the_report_carries_tax_per_rate_tips_and_per_cashier_totals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    ok(path, &["tax-rate", "set", "VAT", "20", "--included", "--default"]);
    ok(path, &["tax-rate", "set", "Reduced", "5", "--included"]);
    let csv = path.join("catalog.csv");
    std::fs::write(&csv, "name,price,currency,tax_rate,barcode,category\nEspresso,2.50,USD,Reduced,,Coffee\n").unwrap();
    assert_eq!(ok(path, &["catalog", "import", csv.to_str().unwrap()]).trim(), "imported 1 items");
    // A bad file is refused with its line and column, exit 2, and the catalog stays.
    std::fs::write(&csv, "name,price,currency,tax_rate,barcode,category\nTea,1.5.0,USD,,,\n").unwrap();
    let refused = paydesk(path, &["catalog", "import", csv.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("line 2, price"), "{}", text(&refused.stderr));

    // Sold at the till: a cashier's shift with two espressos and a typed 4.00, tipped 1.20, in cash.
    let till = Till::open(path, CredentialStore::in_memory(), None).unwrap();
    let ana = till.add_cashier("Ana", "1234".into()).unwrap();
    till.sign_in(ana.id, "1234".into()).unwrap();
    till.open_shift("50.00", "USD").unwrap();
    let espresso = till.items("Espresso").unwrap()[0].id;
    let sale = SaleRequest {
        amount: "4.00".into(),
        items: vec![ItemLine { item_id: espresso, quantity: 2 }],
        tip: Some("1.20".into()),
        currency: "USD".into(),
        description: None,
    };
    assert_eq!(till.cash_sale(sale).unwrap().amount, "10.20");
    till.close_shift("60.00").unwrap();

    let report: serde_json::Value = serde_json::from_str(&ok(path, &["report", "--json"])).unwrap();
    let usd = &report["currencies"][0];
    assert_eq!(
        (usd["currency"].as_str(), usd["cash"].as_str(), usd["tips"].as_str()),
        (Some("USD"), Some("10.20"), Some("1.20"))
    );
    // Reduced: 5.00 × 5/105 = 0.238… → 0.24; VAT on the typed 4.00: 4.00 × 20/120 = 0.666… → 0.67.
    let taxes: Vec<(&str, &str, &str)> = report["taxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["tax"].as_str().unwrap(), t["gross"].as_str().unwrap()))
        .collect();
    assert_eq!(taxes, [("Reduced", "0.24", "5.00"), ("VAT", "0.67", "4.00")]);
    let ana = &report["cashiers"][0];
    assert_eq!(ana["cashier"], "Ana");
    assert_eq!(
        (ana["cash"].as_str(), ana["tips"].as_str(), ana["over_short"].as_str()),
        (Some("10.20"), Some("1.20"), Some("-0.20"))
    );
    assert_eq!(report["shifts"][0]["expected"], "60.20");

    // The plain report says the same in words; a date that is not one is bad input.
    let plain = ok(path, &["report"]);
    assert!(plain.contains("tax Reduced 5% included") && plain.contains("cashier Ana"), "{plain}");
    assert_eq!(paydesk(path, &["report", "--from", "2026-13-01"]).status.code(), Some(2));
}
