//! The ledger as CSV for a spreadsheet: one row per invoice, amounts as exact decimal text.

use crate::clock::format_utc;
use crate::ledger::Invoice;

const HEADER: &str =
    "id,order_id,created_at_utc,gateway,amount,currency,status,gateway_status,gateway_invoice_id,pay_link,expires_at_utc,description";

pub fn invoices_csv(invoices: &[Invoice]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("\r\n");
    for inv in invoices {
        let fields = [
            inv.id.to_string(),
            inv.order_id.clone(),
            format_utc(inv.created_at),
            inv.gateway.clone(),
            inv.amount.to_decimal_string(),
            inv.amount.currency().code().to_string(),
            inv.status.as_str().to_string(),
            inv.gateway_status.clone().unwrap_or_default(),
            inv.gateway_invoice_id.clone().unwrap_or_default(),
            inv.pay_link.clone().unwrap_or_default(),
            inv.expires_at.map(format_utc).unwrap_or_default(),
            inv.description.clone().unwrap_or_default(),
        ];
        let cells: Vec<String> = fields.iter().map(|f| cell(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a cell when needed (RFC 4180), and defuses text a spreadsheet would run as a formula.
fn cell(text: &str) -> String {
    let defused =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-3"), "'-3");
    }
}
