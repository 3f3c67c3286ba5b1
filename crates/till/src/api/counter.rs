//! The counter's hardware through the till: receipts on the printer (by hand, or on their own
//! when a sale is paid), a Test print, and the cash drawer (on a cash sale, or a manager's Open
//! drawer, recorded with who, when and why). Every job runs on the print queue, off the sale's path.

use super::*;
use crate::printing::{ticket_of, PrintJob, PrintJobView, PrintKind};
use paydesk_ledger::RECEIVED;
use paydesk_printer::{drawer_kick, encode, test_ticket, Layout, PrinterUri};

impl Till {
    /// Shortens the pause before a failed print is tried again (for tests).
    pub fn with_print_backoff(self, pause: Duration) -> Till {
        self.printer.set_first_backoff(pause);
        self
    }

    pub fn print_jobs(&self) -> Vec<PrintJobView> {
        self.printer.jobs()
    }

    /// Tells `listener` of every print job's every change (the window turns it into an event).
    pub fn on_print_job(&self, listener: impl Fn(&PrintJobView) + Send + Sync + 'static) {
        self.printer.listen(listener);
    }

    /// Prints the receipt of `key` on the receipt printer (also Reprint).
    pub fn print_receipt(&self, key: &str) -> Result<PrintJobView, Error> {
        let invoice = self.find_visible(key)?;
        self.submit_receipt(invoice.order_id, false)
    }

    /// Prints a test page (manager only): the ruler of the paper width and a QR code.
    pub fn test_print(&self) -> Result<PrintJobView, Error> {
        self.require_manager()?;
        let (printer, layout) = self.printer_setup(false)?;
        let bytes = encode(&test_ticket(layout.width), &layout).map_err(|e| Error::Local(e.to_string()))?;
        Ok(self.printer.submit(PrintJob { kind: PrintKind::Test, order_id: None, printer, bytes }))
    }

    /// Opens the cash drawer without a sale (manager only); who, when and why are recorded first.
    pub fn open_drawer(&self, reason: &str) -> Result<PrintJobView, Error> {
        self.require_manager()?;
        let reason = check_text("reason", reason.trim(), MAX_DESCRIPTION_CHARS)?;
        if reason.is_empty() {
            return Err(Error::BadInput("say why the drawer is opened (change for the float, a count…)".into()));
        }
        let kick = self.drawer_job()?;
        let who = match self.seller_lock().as_ref() {
            Some(cashier) => format!("the manager, with {} signed in", cashier.name),
            None => "the manager".to_string(),
        };
        self.desk.ledger().record_drawer_opening(&who, reason)?;
        Ok(self.printer.submit(kick))
    }

    /// A followed sale changed: once it is paid, its receipt prints by itself where the shop
    /// asked for that, once per sale (a restart or a second follow never prints it again).
    pub(super) fn after_change(&self, view: &InvoiceView) {
        let config = self.config();
        if !config.auto_print || config.printer.is_none() || !RECEIVED.contains(&view.status) {
            return;
        }
        if self.desk.ledger().was_printed(view.id).unwrap_or(true) {
            return;
        }
        // Two follows of one sale (the app's, and one after a restart) queue it once.
        if !self.auto_printed.lock().unwrap_or_else(|p| p.into_inner()).insert(view.order_id.clone()) {
            return;
        }
        // A failure here is the queue's to report; the sale is paid whatever the printer does.
        let _ = self.submit_receipt(view.order_id.clone(), false);
    }

    /// Cash changed hands: for a cash sale, its receipt (with the drawer's kick) where receipts
    /// print by themselves; otherwise (and for a refund paid out) the drawer alone, where it opens
    /// on cash.
    pub(super) fn after_cash(&self, view: &InvoiceView) {
        let config = self.config();
        if config.printer.is_none() {
            return;
        }
        if config.auto_print && view.kind == InvoiceKind::Cash {
            let _ = self.submit_receipt(view.order_id.clone(), config.drawer_on_cash);
        } else if config.drawer_on_cash {
            if let Ok(kick) = self.drawer_job() {
                self.printer.submit(kick);
            }
        }
    }

    /// The drawer's pulse alone, for the receipt printer it is wired to.
    fn drawer_job(&self) -> Result<PrintJob, Error> {
        let (printer, _) = self.printer_setup(true)?;
        Ok(PrintJob { kind: PrintKind::Drawer, order_id: None, printer, bytes: drawer_kick() })
    }

    fn submit_receipt(&self, order_id: String, kick_drawer: bool) -> Result<PrintJobView, Error> {
        let (printer, layout) = self.printer_setup(kick_drawer)?;
        let receipt = self.receipt_of(&order_id)?;
        let bytes = encode(&ticket_of(&receipt), &layout).map_err(|e| Error::Local(e.to_string()))?;
        let job = PrintJob { kind: PrintKind::Receipt, order_id: Some(order_id), printer, bytes };
        Ok(self.printer.submit(job))
    }

    /// The printer and how to lay out for it; no printer set is bad input that says where to set one.
    fn printer_setup(&self, kick_drawer: bool) -> Result<(PrinterUri, Layout), Error> {
        let config = self.config();
        let Some(uri) = config.printer.as_deref() else {
            return Err(Error::BadInput("no receipt printer is set (Settings → Printer)".into()));
        };
        let printer = uri.parse::<PrinterUri>().map_err(|e| Error::BadInput(format!("printer: {e}")))?;
        let layout = Layout { width: config.paper_width, qr: config.printer_qr, copies: config.copies, kick_drawer };
        Ok((printer, layout))
    }
}
