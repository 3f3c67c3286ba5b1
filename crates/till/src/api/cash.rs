//! Cash at the counter: cash sales, refunds, and the shift report and its export.

use super::*;

impl Till {
    /// Records a sale paid in cash at the counter (also when the network is down): paid at once.
    pub fn record_cash_sale(
        &self,
        amount: &str,
        currency: &str,
        description: Option<String>,
    ) -> Result<InvoiceView, Error> {
        let amount = self.typed_amount(amount, currency)?;
        let label = self.config().terminal_label;
        let entry = report::CashSale {
            amount,
            tip_minor: 0,
            description: description.as_deref(),
            details: self.seller_details()?,
        };
        let view = self.view(report::record_cash_sale(self.desk.ledger(), label.as_deref(), entry)?);
        self.after_cash(&view);
        Ok(view)
    }

    /// Records money paid back by hand (manager only). `original`, the refunded sale's order id,
    /// ties it to that sale: same currency, and no more than the sale took in all.
    pub fn record_refund(
        &self,
        amount: &str,
        currency: &str,
        reason: &str,
        original: Option<String>,
    ) -> Result<InvoiceView, Error> {
        self.require_manager()?;
        let amount = self.typed_amount(amount, currency)?;
        if let Some(key) = &original {
            check_key(key)?;
        }
        let label = self.config().terminal_label;
        let details = self.seller_details()?;
        let entry =
            report::record_refund(self.desk.ledger(), label.as_deref(), amount, reason, original.as_deref(), details)?;
        let view = self.view(entry);
        self.after_cash(&view);
        Ok(view)
    }

    /// Totals of the entries created in `[from, to)` (Unix seconds) per currency, status and gateway.
    pub fn shift_report(&self, from: i64, to: i64) -> Result<ShiftReport, Error> {
        // A cashier may total today, as History shows them today; earlier days are a manager's.
        if from < self.today_starts() {
            self.require_manager()?;
        }
        report::shift_report(self.desk.ledger(), from, to, |id| self.gateway_name(id))
    }

    /// Writes the shift report for `[from, to)` as CSV into `dir` (manager only) and returns the
    /// file's path. The file appears only once complete.
    pub fn export_report_csv(&self, from: i64, to: i64, dir: &Path) -> Result<String, Error> {
        self.require_manager()?;
        let path = report::export_report_csv(self.desk.ledger(), from, to, dir, |id| self.gateway_name(id))?;
        Ok(path.display().to_string())
    }
}
