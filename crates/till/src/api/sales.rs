//! The sales a cashier makes and looks after: checking an amount, charging, following, retrying,
//! abandoning, settling by hand, pay links, QR codes, receipts, the customer display and History.

use super::*;

impl Till {
    /// Checks an amount without charging, so the UI can show the till's own message before Charge.
    pub fn check_amount(&self, amount: &str, currency: &str) -> Result<AmountCheck, Error> {
        let parsed = self.wire_amount(amount, currency)?;
        Ok(AmountCheck { amount: parsed.to_decimal_string(), currency: parsed.currency().code().into() })
    }

    /// An amount from the keypad, in the wire form (see [`ChargeRequest::amount`]).
    pub(super) fn wire_amount(&self, amount: &str, currency: &str) -> Result<Amount, Error> {
        check_amount_args(amount, currency)?;
        let currency: Currency = currency.parse()?;
        Ok(parse_decimal(amount, currency)?)
    }

    /// An amount typed into a text field (the cash and refund dialogs), read in the shop's decimal
    /// style; one that could be read two ways is refused, naming both.
    pub(super) fn typed_amount(&self, amount: &str, currency: &str) -> Result<Amount, Error> {
        check_amount_args(amount, currency)?;
        let currency: Currency = currency.parse()?;
        Ok(parse_amount(amount, currency, self.config().decimal_style)?)
    }

    /// Charges what was rung up plus the tip through a gateway, converted when the gateway
    /// charges in another currency; the ledger keeps the lines, tax and tip apart, inside the total.
    pub async fn charge(&self, request: ChargeRequest) -> Result<InvoiceView, Error> {
        let info = self.info(&request.gateway)?;
        let sale = self.price(&request.sale, Some(info))?;
        let input = ChargeInput {
            tip_minor: sale.tip_minor,
            description: request.sale.description,
            details: sale.details,
            ..ChargeInput::new(&request.gateway, sale.total)
        };
        let invoice = self.desk.charge(&input).await?;
        self.remember_gateway(&invoice.gateway);
        Ok(self.view(invoice))
    }

    /// Records what was rung up as paid in cash at the counter, with its lines, tax and tip.
    pub fn cash_sale(&self, request: SaleRequest) -> Result<InvoiceView, Error> {
        let sale = self.price(&request, None)?;
        let label = self.config().terminal_label;
        let entry = report::CashSale {
            amount: sale.total,
            tip_minor: sale.tip_minor,
            description: request.description.as_deref(),
            details: sale.details,
        };
        let view = self.view(report::record_cash_sale(self.desk.ledger(), label.as_deref(), entry)?);
        self.after_cash(&view);
        Ok(view)
    }

    pub(super) fn remember_gateway(&self, gateway: &str) {
        if self.config().last_gateway.as_deref() != Some(gateway) {
            // Remembering the last gateway is a convenience: failing to save it must not fail a sale.
            let _ = self.update_config(|config| config.last_gateway = Some(gateway.to_string()));
        }
    }

    pub fn invoice(&self, key: &str) -> Result<InvoiceView, Error> {
        Ok(self.view(self.find_visible(key)?))
    }

    pub async fn refresh(&self, key: &str) -> Result<InvoiceView, Error> {
        check_key(key)?;
        Ok(self.view(self.desk.refresh(key).await?))
    }

    /// Tries a failed or unknown sale again under its own order id (see [`Paydesk::retry`]).
    pub async fn retry(&self, key: &str) -> Result<InvoiceView, Error> {
        // A locked till acts only on the sales History shows it: today's.
        self.find_visible_async(key).await?;
        Ok(self.view(self.desk.retry(key).await?))
    }

    /// The cashier goes on to the next customer: the sale is marked abandoned but still followed,
    /// because most gateways cannot cancel an invoice and the customer may still pay it.
    /// The gateway is asked once first (briefly: offline, Next customer must not hang), so a
    /// payment made just before the button was pressed is recorded as paid, not as paid late; the
    /// sale is then returned final and not abandoned.
    pub async fn abandon(&self, key: &str) -> Result<InvoiceView, Error> {
        self.find_visible_async(key).await?;
        // Whatever this ask fails on, the follower keeps asking.
        let _ = tokio::time::timeout(ABANDON_CHECK, self.desk.refresh(key)).await;
        let invoice = self.desk.find_async(key).await?;
        if invoice.status.is_final() {
            return Ok(self.view(invoice));
        }
        Ok(self.view(self.desk.db(move |l| l.abandon(invoice.id)).await?))
    }

    /// The cashier dismissed the late-payment notice of `key`: it is not raised again, also not
    /// after a restart (the audit trail records when it was seen).
    pub fn dismiss_late(&self, key: &str) -> Result<(), Error> {
        check_key(key)?;
        let invoice = self.desk.find(key)?;
        Ok(self.desk.ledger().mark_late_seen(invoice.id)?)
    }

    /// Order ids of the sales still open on a gateway, to follow again after a restart.
    /// An `unknown` sale counts when the gateway gave it an id (it answered with a status Paydesk
    /// cannot place, which may still turn into a payment).
    pub fn open_sales(&self) -> Result<Vec<String>, Error> {
        let mut open = Vec::new();
        for status in
            [InvoiceStatus::Pending, InvoiceStatus::Confirming, InvoiceStatus::Underpaid, InvoiceStatus::Unknown]
        {
            let rows = self.desk.ledger().in_status(status)?.into_iter();
            // A pending sale without the gateway's id is followed too: the follow looks the id up.
            let followable = |i: &Invoice| i.gateway_invoice_id.is_some() || i.status != InvoiceStatus::Unknown;
            open.extend(rows.filter(followable).map(|i| i.order_id));
        }
        Ok(open)
    }

    /// Follows a sale until it is final or its follow ends (see [`Paydesk::follow`]), calling
    /// `on_change` with each new state.
    pub async fn follow(
        &self,
        key: &str,
        every: Duration,
        on_change: impl Fn(InvoiceView),
    ) -> Result<InvoiceView, Error> {
        check_key(key)?;
        let pace = Pace { every, grace: FOLLOW_GRACE };
        let last = self
            .desk
            .follow(key, pace, |inv| {
                let view = self.view(inv.clone());
                self.after_change(&view);
                on_change(view)
            })
            .await?;
        let last = self.view(last);
        // A sale already paid when the follow began reports no change: it prints all the same.
        self.after_change(&last);
        Ok(last)
    }

    /// A manager settles by hand a sale the gateway cannot settle for Paydesk (NonStoPay without
    /// an id, a gateway that cannot be asked): paid or not paid, with who, when and why recorded.
    pub fn settle_by_hand(&self, key: &str, paid: bool, reason: &str) -> Result<InvoiceView, Error> {
        check_key(key)?;
        self.require_manager()?;
        let who = match &self.config().terminal_label {
            Some(label) => format!("the manager at {label}"),
            None => "the manager".to_string(),
        };
        Ok(self.view(self.desk.settle_by_hand(key, paid, &who, reason)?))
    }

    /// The link to open for the sale `key`: its own stored pay link, checked again now (https, or
    /// http to this machine), so nothing else can be opened through the till. The answer is the
    /// URL as checked, so the opener is handed exactly what passed the check.
    pub fn pay_link_to_open(&self, key: &str) -> Result<String, Error> {
        let link =
            self.find_visible(key)?.pay_link.ok_or_else(|| Error::BadInput("this sale has no pay link".into()))?;
        Ok(paydesk_gateways::http::pay_link_url(&link)?.to_string())
    }

    /// The pay link as an SVG QR code, rendered here so the webview loads nothing remote.
    pub fn qr_svg(&self, key: &str) -> Result<String, Error> {
        let invoice = self.find_visible(key)?;
        let link = invoice.pay_link.ok_or_else(|| Error::BadInput("this sale has no pay link yet".into()))?;
        qr::qr_svg(&link).map_err(|e| Error::Local(e.to_string()))
    }

    /// A sale's receipt, its time in the till's local time.
    pub fn receipt(&self, key: &str) -> Result<ReceiptView, Error> {
        let receipt = self.receipt_of(key)?;
        let qr_svg =
            receipt.pay_link.as_deref().map(qr::qr_svg).transpose().map_err(|e| Error::Local(e.to_string()))?;
        Ok(ReceiptView { receipt, qr_svg })
    }

    /// Writes a sale's receipt as a PDF into `dir`, named by its order id, and returns the file's
    /// path. The file appears only once complete; an earlier one of the same sale is replaced.
    pub fn save_receipt_pdf(&self, key: &str, dir: &Path) -> Result<String, Error> {
        let receipt = self.receipt_of(key)?;
        let pdf = receipt_pdf(&receipt).map_err(|e| Error::Local(e.to_string()))?;
        let path = dir.join(receipt.file_name());
        let io_error = |e: std::io::Error| Error::Local(format!("could not write {}: {e}", path.display()));
        std::fs::create_dir_all(dir).map_err(io_error)?;
        match save_atomically(&path, |out| Ok(out.write_all(&pdf)?)) {
            Ok(()) => Ok(path.display().to_string()),
            Err(ExportError::Ledger(e)) => Err(e.into()),
            Err(ExportError::Io(e)) => Err(io_error(e)),
        }
    }

    pub(super) fn receipt_of(&self, key: &str) -> Result<Receipt, Error> {
        let invoice = self.find_visible(key)?;
        let name = self.gateway_name(&invoice.gateway);
        Ok(Receipt::of_sale(self.desk.ledger(), &invoice, &name, &self.config())?)
    }

    /// What the customer-facing window shows for the sale `key`, or the welcome for `None`.
    pub fn customer_view(&self, key: Option<&str>) -> Result<CustomerView, Error> {
        let invoice = match key {
            Some(key) => {
                let inv = self.find_visible(key)?;
                // A link too long to draw is reported on the cashier's screen; the customer still
                // sees the amount.
                let qr_svg = inv.pay_link.as_deref().and_then(|link| qr::qr_svg(link).ok());
                Some(CustomerInvoice {
                    order_id: inv.order_id,
                    amount: inv.amount.to_decimal_string(),
                    currency: inv.amount.currency().code().into(),
                    qr_svg,
                    status: inv.status,
                    is_final: inv.status.is_final(),
                    priced: inv.priced.map(PricedView::from),
                })
            }
            None => None,
        };
        let config = self.config();
        Ok(CustomerView {
            shop_name: config.shop_name,
            language: config.language,
            decimal_comma: config.decimal_style == DecimalStyle::Comma,
            invoice,
        })
    }

    pub fn history(&self, search: &str, limit: u32, offset: u32) -> Result<Vec<InvoiceView>, Error> {
        check_arg("search", search, MAX_SEARCH_CHARS)?;
        // A cashier sees only today's sales, from the till's local midnight. Looking does not
        // count as manager activity: browsing History must not keep an idle unlock alive.
        let since = if self.manager_status().unlocked { i64::MIN } else { self.today_starts() };
        let rows = self.desk.ledger().search_since(search, since, limit.min(500), offset)?;
        Ok(rows.into_iter().map(|i| self.view(i)).collect())
    }

    /// Writes every invoice as CSV into `dir`, row by row straight from the ledger, and returns the
    /// file's path. The file appears only once complete.
    pub fn export_csv(&self, dir: &Path) -> Result<String, Error> {
        self.require_manager()?;
        let (y, m, d) = paydesk_money::clock::civil_date(paydesk_money::clock::unix_now());
        let path = dir.join(format!("paydesk-invoices-{y:04}-{m:02}-{d:02}.csv"));
        let io_error = |e: std::io::Error| Error::Local(format!("could not write {}: {e}", path.display()));
        std::fs::create_dir_all(dir).map_err(io_error)?;
        match self.desk.ledger().with_all(|rows| save_invoices_csv(&path, rows))? {
            Ok(()) => Ok(path.display().to_string()),
            Err(ExportError::Ledger(e)) => Err(e.into()),
            Err(ExportError::Io(e)) => Err(io_error(e)),
        }
    }
}
