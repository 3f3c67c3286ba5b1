//! Cash sales, manual refunds and the end-of-shift report: what the till took in a period, per
//! currency, status and gateway, exact to the minor unit, on screen and as CSV for a spreadsheet.
//!
//! A cash sale and a refund are ledger rows like a gateway's sale (so History, search and the
//! exports see them), told apart by their kind. Both are final once written: a cash sale is `paid`
//! (received), a refund is `paid` (paid out) with a positive amount that the report subtracts.

use crate::error::Error;
use paydesk_ledger::export::{save_atomically, write_record, ExportError, Field};
use paydesk_ledger::{GroupTotal, Invoice, InvoiceKind, Ledger, LedgerError, NewEntry, SaleDetails, RECEIVED};
use paydesk_money::clock::format_utc;
use paydesk_money::order::{check_text, new_order_id, MAX_DESCRIPTION_CHARS};
use paydesk_money::InvoiceStatus;
use paydesk_money::{Amount, Currency};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

mod rules;
mod shop;
pub use rules::{CashierTotals, DrawerOpeningView, ShiftView, TaxTotalView};
pub use shop::{shop_report, ShopReport, TillReport};

/// The gateway id a cash sale is recorded under.
pub const CASH_GATEWAY: &str = "cash";
/// The gateway id a refund is recorded under: it is paid back by hand, outside any gateway.
pub const MANUAL_GATEWAY: &str = "manual";

/// The longest period one report covers: a year, leap day included.
pub const MAX_PERIOD_SECS: i64 = 366 * 86_400;
/// Periods must lie within years 1970 to 9999, so every bound has an ISO date.
const LATEST: i64 = 253_402_300_800;

/// The name shown for the gateway id of a cash sale or a refund; `None` for a real gateway.
pub fn entry_gateway_name(gateway: &str) -> Option<&'static str> {
    match gateway {
        CASH_GATEWAY => Some("Cash"),
        MANUAL_GATEWAY => Some("Manual"),
        _ => None,
    }
}

/// `<TILL>-CASH-YYYYMMDD-XXXXXXXX` or `<TILL>-REF-…`: the till's own order ids, marked so a
/// cash sale or refund is told from a gateway's sale at a glance.
fn entry_order_id(terminal_label: Option<&str>, kind: InvoiceKind) -> String {
    let mark = if kind == InvoiceKind::Refund { "REF" } else { "CASH" };
    new_order_id(Some(&format!("{}-{mark}", terminal_label.unwrap_or("PD"))))
}

/// A cash sale about to be recorded.
pub struct CashSale<'a> {
    /// The total, tip included.
    pub amount: Amount,
    pub tip_minor: u64,
    pub description: Option<&'a str>,
    pub details: SaleDetails,
}

/// Records a sale paid in cash at the counter: in the ledger, paid, at once.
pub fn record_cash_sale(ledger: &Ledger, terminal_label: Option<&str>, sale: CashSale<'_>) -> Result<Invoice, Error> {
    let description = sale.description.map(str::trim).filter(|d| !d.is_empty());
    if let Some(d) = description {
        check_text("description", d, MAX_DESCRIPTION_CHARS)?;
    }
    let order_id = entry_order_id(terminal_label, InvoiceKind::Cash);
    let entry = NewEntry {
        order_id: &order_id,
        kind: InvoiceKind::Cash,
        gateway: CASH_GATEWAY,
        amount: sale.amount,
        tip_minor: sale.tip_minor,
        description,
        refund_of: None,
        details: sale.details,
    };
    Ok(ledger.insert_entry(&entry)?)
}

/// Records money paid back by hand, with its reason. Naming the original sale (order id or local
/// id) ties the refund to it: then the currency must match and the sale's refunds together may not
/// exceed what it took. Refused input writes nothing.
pub fn record_refund(
    ledger: &Ledger,
    terminal_label: Option<&str>,
    amount: Amount,
    reason: &str,
    original: Option<&str>,
    details: SaleDetails,
) -> Result<Invoice, Error> {
    let reason = check_text("reason", reason.trim(), MAX_DESCRIPTION_CHARS)?;
    if reason.is_empty() {
        return Err(Error::BadInput("say why the money is paid back (the reason is kept with the refund)".into()));
    }
    let refund_of = match original.map(str::trim).filter(|o| !o.is_empty()) {
        Some(key) => Some(ledger.find(key)?.id),
        None => None,
    };
    let order_id = entry_order_id(terminal_label, InvoiceKind::Refund);
    let entry = NewEntry {
        order_id: &order_id,
        kind: InvoiceKind::Refund,
        gateway: MANUAL_GATEWAY,
        amount,
        tip_minor: 0,
        description: Some(reason),
        refund_of,
        details,
    };
    ledger.insert_entry(&entry).map_err(|e| match e {
        LedgerError::Refund(why) => Error::BadInput(why),
        other => other.into(),
    })
}

/// What the till took in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShiftReport {
    /// Unix seconds, inclusive.
    #[ts(type = "number")]
    pub from: i64,
    /// Unix seconds, exclusive.
    #[ts(type = "number")]
    pub to: i64,
    /// One line per currency with any entry in the period, by code.
    pub currencies: Vec<CurrencyTotals>,
    /// Gateway sales (not cash sales or refunds) by status and currency, in status order.
    pub by_status: Vec<StatusLine>,
    /// What came in per gateway (sales in a received status), cash, and refunds, by currency.
    /// Demo sales are listed here only, marked as practice: they are in no total.
    pub by_gateway: Vec<GatewayLine>,
    /// Tax per rate over the received sales and cash sales, in the currency they were priced in.
    pub taxes: Vec<TaxTotalView>,
    /// Takings per cashier and currency, with the over/short of their closed shifts.
    pub cashiers: Vec<CashierTotals>,
    /// The shifts opened in the period: float, expected and counted cash, over/short.
    pub shifts: Vec<ShiftView>,
    /// The cash drawer opened without a sale: who, when, why.
    pub drawer_openings: Vec<DrawerOpeningView>,
}

/// One currency's totals. Amounts are exact decimal text ("1234.50"; net may be negative).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CurrencyTotals {
    pub currency: String,
    /// Gateway sales paid, overpaid or paid late, at their invoiced amounts.
    pub received: String,
    pub received_count: u32,
    pub cash: String,
    pub cash_count: u32,
    pub refunds: String,
    pub refund_count: u32,
    /// received + cash − refunds
    pub net: String,
    /// The part of received and cash that was tips (already in those totals).
    pub tips: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StatusLine {
    pub status: InvoiceStatus,
    pub currency: String,
    pub count: u32,
    pub total: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct GatewayLine {
    pub kind: InvoiceKind,
    pub gateway: String,
    pub gateway_name: String,
    pub currency: String,
    pub count: u32,
    pub total: String,
    /// Sales on the Demo gateway's simulator: no money moved, so they count in no total.
    pub practice: bool,
}

/// Refuses a period that is empty, reversed, longer than a year or outside years 1970 to 9999.
pub fn check_period(from: i64, to: i64) -> Result<(), Error> {
    if !(0..LATEST).contains(&from) || !(0..=LATEST).contains(&to) {
        return Err(Error::BadInput("the report period must lie between the years 1970 and 9999".into()));
    }
    if from >= to {
        return Err(Error::BadInput("the report period must end after it starts".into()));
    }
    if to - from > MAX_PERIOD_SECS {
        return Err(Error::BadInput("a report covers at most a year (366 days): choose a shorter period".into()));
    }
    Ok(())
}

/// The report for the entries created in `[from, to)` (Unix seconds: `from` included, `to` not).
/// `gateway_name` names a gateway id for the per-gateway lines.
pub fn shift_report(
    ledger: &Ledger,
    from: i64,
    to: i64,
    gateway_name: impl Fn(&str) -> String,
) -> Result<ShiftReport, Error> {
    check_period(from, to)?;
    let groups = ledger.totals(from, to)?;
    let shifts = ledger.shifts(from, to)?;
    let mut report = summarise(from, to, &groups, gateway_name);
    report.taxes =
        ledger.tax_totals(from, to, paydesk_gateways::demo::INFO.id)?.iter().map(TaxTotalView::from_total).collect();
    report.cashiers = rules::cashier_totals(&groups, &shifts);
    report.shifts = shifts.into_iter().map(ShiftView::from).collect();
    report.drawer_openings = ledger.drawer_openings(from, to)?.into_iter().map(DrawerOpeningView::from).collect();
    Ok(report)
}

#[derive(Default)]
struct Sum {
    count: u64,
    minor: i128,
    tips_minor: i128,
}

impl Sum {
    fn add(&mut self, group: &GroupTotal) {
        self.count += group.count;
        self.minor += i128::from(group.minor);
        self.tips_minor += i128::from(group.tips_minor);
    }
}

/// Per currency: received, cash, refunds.
type CurrencySums = [Sum; 3];

fn summarise(from: i64, to: i64, groups: &[GroupTotal], gateway_name: impl Fn(&str) -> String) -> ShiftReport {
    let mut currencies: BTreeMap<&str, (Currency, CurrencySums)> = BTreeMap::new();
    let mut statuses: BTreeMap<(usize, &str), (InvoiceStatus, Currency, Sum)> = BTreeMap::new();
    let mut gateways: BTreeMap<(InvoiceKind, &str, &str), (Currency, Sum)> = BTreeMap::new();
    for g in groups {
        let code = g.currency.code();
        let received = g.kind != InvoiceKind::Sale || RECEIVED.contains(&g.status);
        let sums = &mut currencies.entry(code).or_insert_with(|| (g.currency, CurrencySums::default())).1;
        if is_practice(g.kind, &g.gateway) {
            // Listed per gateway, as practice, and nowhere else: a demo sale moved no money.
            if received {
                gateways.entry((g.kind, &g.gateway, code)).or_insert_with(|| (g.currency, Sum::default())).1.add(g);
            }
            continue;
        }
        match g.kind {
            InvoiceKind::Sale if received => sums[0].add(g),
            InvoiceKind::Sale => {}
            InvoiceKind::Cash => sums[1].add(g),
            InvoiceKind::Refund => sums[2].add(g),
        }
        if g.kind == InvoiceKind::Sale {
            let order = InvoiceStatus::ALL.iter().position(|s| *s == g.status).unwrap_or(usize::MAX);
            statuses.entry((order, code)).or_insert_with(|| (g.status, g.currency, Sum::default())).2.add(g);
        }
        if received {
            gateways.entry((g.kind, &g.gateway, code)).or_insert_with(|| (g.currency, Sum::default())).1.add(g);
        }
    }
    ShiftReport {
        from,
        to,
        currencies: currencies.into_values().map(|(currency, sums)| CurrencyTotals::of(currency, &sums)).collect(),
        by_status: statuses
            .into_values()
            .map(|(status, currency, sum)| StatusLine {
                status,
                currency: currency.code().into(),
                count: count(&sum),
                total: currency.format_minor(sum.minor),
            })
            .collect(),
        by_gateway: gateways
            .into_iter()
            .map(|((kind, gateway, _), (currency, sum))| GatewayLine {
                practice: is_practice(kind, gateway),
                kind,
                gateway: gateway.into(),
                gateway_name: gateway_name(gateway),
                currency: currency.code().into(),
                count: count(&sum),
                total: currency.format_minor(sum.minor),
            })
            .collect(),
        taxes: Vec::new(),
        cashiers: Vec::new(),
        shifts: Vec::new(),
        drawer_openings: Vec::new(),
    }
}

impl CurrencyTotals {
    fn of(currency: Currency, [received, cash, refunds]: &CurrencySums) -> CurrencyTotals {
        CurrencyTotals {
            currency: currency.code().into(),
            received: currency.format_minor(received.minor),
            received_count: count(received),
            cash: currency.format_minor(cash.minor),
            cash_count: count(cash),
            refunds: currency.format_minor(refunds.minor),
            refund_count: count(refunds),
            net: currency.format_minor(received.minor + cash.minor - refunds.minor),
            tips: currency.format_minor(received.tips_minor + cash.tips_minor),
        }
    }
}

/// A sale on the Demo gateway: the simulator took it, no money moved.
fn is_practice(kind: InvoiceKind, gateway: &str) -> bool {
    kind == InvoiceKind::Sale && gateway == paydesk_gateways::demo::INFO.id
}

fn count(sum: &Sum) -> u32 {
    u32::try_from(sum.count).unwrap_or(u32::MAX)
}

const CSV_HEADER: [&str; 9] =
    ["period_from_utc", "period_to_utc", "section", "kind", "key", "name", "currency", "count", "amount"];

/// The report as CSV for Excel and LibreOffice: a UTF-8 byte order mark (so both read it as
/// UTF-8), a header row, CRLF line ends, RFC 4180 quoting, ISO 8601 UTC dates, and amounts as
/// plain numbers ("1234.56") with the currency in its own column. One table: `section` is
/// `total` (key received, cash, refunds, net or tips: the part of received and cash that was tips),
/// `cashier` (the same keys, the cashier as name, plus over_short), `status`, `gateway`, `tax` (kind
/// net, tax or gross, key the rate) or `shift` (kind float, expected, counted or over_short, key
/// the shift's number, name its cashier) or `drawer` (key the time the drawer was opened without
/// a sale, name who and why).
pub fn write_report_csv(out: &mut impl Write, report: &ShiftReport) -> std::io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    write_record(out, CSV_HEADER.map(Field::Text))?;
    let (from, to) = (format_utc(report.from), format_utc(report.to));
    let mut row =
        |section: &str, kind: &str, key: &str, name: &str, currency: &str, count: Option<u32>, amount: &str| {
            let count = count.map(|c| c.to_string()).unwrap_or_default();
            let fields = [
                Field::Text(&from),
                Field::Text(&to),
                Field::Text(section),
                Field::Text(kind),
                Field::Text(key),
                Field::Text(name),
                Field::Text(currency),
                Field::Number(&count),
                Field::Number(amount),
            ];
            write_record(out, fields)
        };
    // The shop's totals, then each cashier's in the same rows, named.
    let totals = report.currencies.iter().map(|c| ("total", "", c));
    let per_cashier = report.cashiers.iter().map(|c| ("cashier", c.cashier.as_str(), &c.totals));
    for (section, name, c) in totals.chain(per_cashier) {
        let cur = c.currency.as_str();
        row(section, "sale", "received", name, cur, Some(c.received_count), &c.received)?;
        row(section, "cash", "cash", name, cur, Some(c.cash_count), &c.cash)?;
        row(section, "refund", "refunds", name, cur, Some(c.refund_count), &c.refunds)?;
        row(section, "", "net", name, cur, None, &c.net)?;
        row(section, "", "tips", name, cur, None, &c.tips)?;
    }
    for s in &report.by_status {
        row("status", "sale", s.status.as_str(), "", &s.currency, Some(s.count), &s.total)?;
    }
    for g in &report.by_gateway {
        let kind = if g.practice { "practice" } else { g.kind.as_str() };
        row("gateway", kind, &g.gateway, &g.gateway_name, &g.currency, Some(g.count), &g.total)?;
    }
    for t in &report.taxes {
        let name = format!("{}% {}", t.percent, if t.inclusive { "included" } else { "added" });
        for (kind, amount) in [("net", &t.net), ("tax", &t.tax), ("gross", &t.gross)] {
            row("tax", kind, &t.name, &name, &t.currency, Some(t.count), amount)?;
        }
    }
    for c in &report.cashiers {
        if let Some(diff) = &c.over_short {
            row("cashier", "", "over_short", &c.cashier, &c.totals.currency, None, diff)?;
        }
    }
    for s in &report.shifts {
        let id = s.id.to_string();
        row("shift", "float", &id, &s.cashier, &s.currency, None, &s.float)?;
        row("shift", "expected", &id, &s.cashier, &s.currency, None, &s.expected)?;
        if let (Some(counted), Some(diff)) = (&s.counted, &s.over_short) {
            row("shift", "counted", &id, &s.cashier, &s.currency, None, counted)?;
            row("shift", "over_short", &id, &s.cashier, &s.currency, None, diff)?;
        }
    }
    for d in &report.drawer_openings {
        row("drawer", "opened", &format_utc(d.at), &format!("{}: {}", d.who, d.reason), "", None, "")?;
    }
    Ok(())
}

/// `paydesk-report-20261123T050000Z-20261124T050000Z.csv`: the period's exact bounds in UTC.
pub fn report_file_name(from: i64, to: i64) -> String {
    let compact = |t: i64| format_utc(t).replace(['-', ':'], "");
    format!("paydesk-report-{}-{}.csv", compact(from), compact(to))
}

/// Writes the report for `[from, to)` into `dir` and returns the file's path; the file appears
/// only once complete, and a failure leaves no partial file.
pub fn export_report_csv(
    ledger: &Ledger,
    from: i64,
    to: i64,
    dir: &Path,
    gateway_name: impl Fn(&str) -> String,
) -> Result<PathBuf, Error> {
    let report = shift_report(ledger, from, to, gateway_name)?;
    let path = dir.join(report_file_name(from, to));
    let written = std::fs::create_dir_all(dir)
        .map_err(ExportError::from)
        .and_then(|()| save_atomically(&path, |out| Ok(write_report_csv(out, &report)?)));
    match written {
        Ok(()) => Ok(path),
        Err(ExportError::Ledger(e)) => Err(e.into()),
        Err(ExportError::Io(e)) => Err(Error::Local(format!("could not write {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_keep_every_decimal_and_may_be_negative_or_large() {
        let cur = |code: &str| -> Currency { code.parse().unwrap() };
        assert_eq!(Currency::USD.format_minor(30), "0.30");
        assert_eq!(Currency::USD.format_minor(-1230), "-12.30");
        assert_eq!(cur("KWD").format_minor(0), "0.000");
        assert_eq!(cur("JPY").format_minor(1_500), "1500");
        assert_eq!(cur("JPY").format_minor(-7), "-7");
        assert_eq!(Currency::USD.format_minor(12_345_678_901_234), "123456789012.34");
    }

    #[test]
    fn periods_are_checked() {
        assert!(check_period(0, 1).is_ok());
        assert!(check_period(1_000, 1_000 + MAX_PERIOD_SECS).is_ok());
        for (from, to) in [(5, 5), (6, 5), (0, MAX_PERIOD_SECS + 1), (-1, 10), (LATEST, LATEST + 1), (i64::MIN, 0)] {
            assert!(matches!(check_period(from, to), Err(Error::BadInput(_))), "{from}..{to}");
        }
    }

    #[test]
    fn the_file_name_carries_the_exact_bounds() {
        assert_eq!(
            report_file_name(1_795_392_000, 1_795_478_400),
            "paydesk-report-20261123T000000Z-20261124T000000Z.csv"
        );
    }

    #[test]
    fn entry_order_ids_say_what_they_are() {
        let cash = entry_order_id(None, InvoiceKind::Cash);
        assert!(cash.starts_with("PD-CASH-") && cash.len() == "PD-CASH-20261123-ABCDEFGH".len(), "{cash}");
        assert!(entry_order_id(Some("TILL2"), InvoiceKind::Refund).starts_with("TILL2-REF-"));
    }

    #[test]
    fn tips_are_summed_from_money_taken_only() {
        let group = |kind, status, gateway: &str, minor, tips_minor| GroupTotal {
            kind,
            status,
            gateway: gateway.into(),
            currency: Currency::USD,
            count: 1,
            minor,
            tips_minor,
            cashier: None,
        };
        let groups = [
            group(InvoiceKind::Sale, InvoiceStatus::Paid, "dex3", 1_100, 100),
            group(InvoiceKind::Sale, InvoiceStatus::PaidLate, "dex3", 2_300, 300),
            // Never paid, practice, cash with a tip, and a refund: only the cash tip counts.
            group(InvoiceKind::Sale, InvoiceStatus::Expired, "dex3", 5_000, 500),
            group(InvoiceKind::Sale, InvoiceStatus::Paid, "demo", 7_000, 700),
            group(InvoiceKind::Cash, InvoiceStatus::Paid, "cash", 1_050, 50),
            group(InvoiceKind::Refund, InvoiceStatus::Paid, "refund", 400, 0),
        ];
        let report = summarise(0, 1, &groups, |g| g.to_string());
        let usd = &report.currencies[0];
        assert_eq!((usd.received.as_str(), usd.cash.as_str(), usd.tips.as_str()), ("34.00", "10.50", "4.50"));
        let mut csv = Vec::new();
        write_report_csv(&mut csv, &report).unwrap();
        assert!(String::from_utf8(csv).unwrap().contains(",total,,tips,,USD,,4.50\r\n"), "the CSV has a tips row");
    }
}
