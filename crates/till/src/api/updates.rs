//! Updates, as far as the till decides them: where this till asks for them, and whether now is a
//! time to offer one. Fetching, checking the signature and installing are the window's (the Tauri
//! updater plugin, in src-tauri/updates.rs); the ledger is never part of an update.

use super::*;

/// Overrides the `update_url` setting: the manifest a till asks for updates.
pub const UPDATE_URL_ENV: &str = "PAYDESK_UPDATE_URL";

/// How long an unfinished sale nobody moved on from holds updates back. A sale still waiting
/// after this is no longer a customer at the counter (an `unknown` sale a manager has to settle
/// from the gateway's dashboard), and must not keep a till on old software for ever.
pub const OPEN_SALE_HOLDS_UPDATES_SECS: i64 = 12 * 3600;

/// Whether the till may offer an update now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateGate {
    /// No update URL is set: nobody is asked, nothing is offered.
    Off,
    /// A sale is open at the counter (its order id): not now.
    SaleOpen(String),
    /// Ask this manifest URL.
    Ask(String),
}

/// What a check for an update found, as the window gets it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum UpdateCheck {
    /// No update URL is set.
    Off,
    /// A sale is open: nothing is offered until it is finished or the cashier moves on.
    NotNow,
    /// The manifest offers nothing newer than this version.
    UpToDate { current_version: String },
    /// A newer version is offered (its signature is checked when it is downloaded, before it is
    /// installed).
    Available { version: String, current_version: String, notes: Option<String> },
}

/// The sale that keeps an update from being offered, if any, among `invoices`: one still open at
/// the counter (not final, not abandoned) and started less than
/// [`OPEN_SALE_HOLDS_UPDATES_SECS`] before `now` (Unix seconds).
pub fn sale_holding_updates(invoices: &[Invoice], now: i64) -> Option<&Invoice> {
    invoices
        .iter()
        .find(|i| !i.status.is_final() && i.abandoned_at.is_none() && now - i.created_at < OPEN_SALE_HOLDS_UPDATES_SECS)
}

/// The gate, from the update URL (if any) and the sale holding updates (if any).
pub fn update_gate(url: Option<String>, holding: Option<&Invoice>) -> UpdateGate {
    match (url, holding) {
        (None, _) => UpdateGate::Off,
        (Some(_), Some(sale)) => UpdateGate::SaleOpen(sale.order_id.clone()),
        (Some(url), None) => UpdateGate::Ask(url),
    }
}

/// The update URL: `env` (the value of `PAYDESK_UPDATE_URL`) if set and not blank, else the
/// setting. Either must be https (or http to this machine).
pub fn update_url(env: Option<String>, setting: Option<String>) -> Result<Option<String>, Error> {
    let url = env.filter(|u| !u.trim().is_empty()).or(setting);
    match url {
        Some(url) => {
            crate::config::check_update_url(url.trim()).map_err(Error::BadInput)?;
            Ok(Some(url.trim().to_string()))
        }
        None => Ok(None),
    }
}

impl Till {
    /// Whether an update may be offered now, and where to ask for it.
    pub fn update_gate(&self) -> Result<UpdateGate, Error> {
        let url = update_url(std::env::var(UPDATE_URL_ENV).ok(), self.config().update_url)?;
        if url.is_none() {
            return Ok(UpdateGate::Off);
        }
        let mut open = Vec::new();
        for status in InvoiceStatus::ALL.into_iter().filter(|s| !s.is_final()) {
            open.extend(self.desk.ledger().in_status(status)?);
        }
        let now = paydesk_money::clock::unix_now();
        Ok(update_gate(url, sale_holding_updates(&open, now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn sale(order_id: &str, status: InvoiceStatus, created_ago: i64, abandoned: bool) -> Invoice {
        Invoice {
            id: 1,
            order_id: order_id.into(),
            gateway: "demo".into(),
            amount: paydesk_money::Amount::from_minor(1234, Currency::USD).unwrap(),
            tip_minor: 0,
            description: None,
            status,
            gateway_status: None,
            gateway_invoice_id: None,
            pay_link: None,
            expires_at: None,
            last_error: None,
            created_at: NOW - created_ago,
            updated_at: NOW - created_ago,
            abandoned_at: abandoned.then_some(NOW - 1),
            kind: InvoiceKind::Sale,
            refund_of: None,
            cashier: None,
            shift_id: None,
            priced: None,
        }
    }

    const URL: &str = "https://updates.example/paydesk/latest.json";

    #[test]
    fn no_sale_open_may_offer_and_an_open_sale_may_not() {
        let url = || Some(URL.to_string());
        assert_eq!(update_gate(url(), sale_holding_updates(&[], NOW)), UpdateGate::Ask(URL.into()));
        let finished = [
            sale("PD-1", InvoiceStatus::Paid, 60, false),
            sale("PD-2", InvoiceStatus::Expired, 60, false),
            sale("PD-3", InvoiceStatus::Failed, 60, false),
        ];
        assert_eq!(update_gate(url(), sale_holding_updates(&finished, NOW)), UpdateGate::Ask(URL.into()));
        for status in [
            InvoiceStatus::Creating,
            InvoiceStatus::Pending,
            InvoiceStatus::Confirming,
            InvoiceStatus::Underpaid,
            InvoiceStatus::Unknown,
        ] {
            let open = [sale("PD-1", InvoiceStatus::Paid, 60, false), sale("PD-9", status, 60, false)];
            let gate = update_gate(url(), sale_holding_updates(&open, NOW));
            assert_eq!(gate, UpdateGate::SaleOpen("PD-9".into()), "{status:?}");
        }
    }

    #[test]
    fn a_sale_the_cashier_moved_on_from_or_a_stale_one_does_not_hold_updates() {
        let abandoned = [sale("PD-1", InvoiceStatus::Pending, 60, true)];
        assert_eq!(sale_holding_updates(&abandoned, NOW), None, "Next customer was pressed");
        let stale = [sale("PD-2", InvoiceStatus::Unknown, OPEN_SALE_HOLDS_UPDATES_SECS, false)];
        assert_eq!(sale_holding_updates(&stale, NOW), None, "waiting for a manager, not a customer");
        let recent = [sale("PD-3", InvoiceStatus::Unknown, OPEN_SALE_HOLDS_UPDATES_SECS - 1, false)];
        assert_eq!(sale_holding_updates(&recent, NOW).map(|i| i.order_id.as_str()), Some("PD-3"));
    }

    #[test]
    fn no_url_means_no_check_even_with_nothing_open() {
        assert_eq!(update_gate(None, None), UpdateGate::Off);
        let open = [sale("PD-1", InvoiceStatus::Pending, 60, false)];
        assert_eq!(update_gate(None, sale_holding_updates(&open, NOW)), UpdateGate::Off);
    }

    #[test]
    fn the_environment_overrides_the_setting_and_both_must_be_https_or_loopback() {
        let setting = Some(URL.to_string());
        assert_eq!(update_url(None, None).unwrap(), None);
        assert_eq!(update_url(None, setting.clone()).unwrap().as_deref(), Some(URL));
        assert_eq!(update_url(Some("  ".into()), setting.clone()).unwrap().as_deref(), Some(URL), "blank: unset");
        let local = "http://127.0.0.1:8080/latest.json";
        assert_eq!(update_url(Some(local.into()), setting).unwrap().as_deref(), Some(local));
        for bad in ["http://updates.example/latest.json", "file:///tmp/latest.json", "not a url"] {
            let err = update_url(Some(bad.into()), None).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::BadInput, "{bad}");
            assert!(err.to_string().contains("https"), "{err}");
        }
    }
}
