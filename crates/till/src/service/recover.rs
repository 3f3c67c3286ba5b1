//! A sale whose create answer was lost or refused: retrying it under its own order id only where
//! no second invoice can come of it, and settling what a crash left half-sent.

use super::session::{require_fields, Session};
use super::{
    unblocked, Paydesk, ALREADY_ON_GATEWAY, AMOUNT_MISMATCH, CHECKING, INTERRUPTED, MAY_STILL_PAY, NOT_ON_GATEWAY,
    RETRYING,
};
use crate::error::Error;
use paydesk_gateways::gateway::{ChargeRequest, FoundInvoice, GatewayError, GatewayInfo, Lookup, DUPLICATE_ORDER_CODE};
use paydesk_ledger::{Invoice, Ledger};
use paydesk_money::InvoiceStatus;

impl Paydesk {
    /// Tries a `failed` or `unknown` sale again under the same order id, and only where a second
    /// live invoice cannot come of it: the gateway is asked by order id first (where it can be) and
    /// the invoice it has is recorded; the create is sent again only when the gateway proved it has
    /// none, refused the earlier send, or answers a repeat without making a second invoice.
    /// Otherwise nothing is sent and the error says how to check.
    pub async fn retry(&self, key: &str) -> Result<Invoice, Error> {
        let invoice = self.find_async(key).await?;
        let before = invoice.status;
        if !matches!(before, InvoiceStatus::Failed | InvoiceStatus::Unknown) {
            return Err(Error::BadInput(format!(
                "only a failed or unknown sale can be retried; {} is {before}",
                invoice.order_id
            )));
        }
        if invoice.last_error.as_deref().is_some_and(|e| e.starts_with(AMOUNT_MISMATCH)) {
            return Err(Error::RetryUnsafe(format!(
                "{}'s gateway misread the amount last time, and would again: fix the gateway's settings, then start a new sale",
                invoice.order_id
            )));
        }
        let session = self.session(&invoice.gateway).await?;
        let info = session.gateway.info();
        require_fields(info, &session.credentials)?;
        let proven_absent = match info.lookup {
            Lookup::Dashboard => false,
            Lookup::ByOrderId | Lookup::Search => match session.find_by_order(&invoice).await {
                Ok(Some(found)) => return self.record_lookup(&session, &invoice, found).await,
                Ok(None) => info.lookup == Lookup::ByOrderId,
                Err(GatewayError::Unsupported(_)) => false,
                // Whether the gateway has it cannot be told, so nothing is sent.
                Err(e) => return Err(e.into()),
            },
        };
        // A refusal made nothing; a lost answer may have made an invoice.
        let refused_before = before == InvoiceStatus::Failed;
        if !(proven_absent || refused_before || info.repeat.resend_is_safe()) {
            let how = how_to_check(info, &invoice.order_id);
            if invoice.last_error.as_deref() != Some(how.as_str()) {
                let note = how.clone();
                self.db(move |l| l.transition(invoice.id, before, before, &note)).await?;
            }
            return Err(Error::RetryUnsafe(how));
        }
        let moved = self.db(move |l| l.transition(invoice.id, before, InvoiceStatus::Creating, RETRYING)).await?;
        let Some(row) = moved else {
            return Err(Error::BadInput(format!(
                "{} changed while it was being retried (retried elsewhere?): look at it again",
                invoice.order_id
            )));
        };
        let request = ChargeRequest {
            order_id: row.order_id.clone(),
            amount: row.amount,
            description: row.description.clone(),
            lifetime_secs: self.settings().lifetime(info),
            callback_url: self.settings().callback_url(info),
        };
        match session.create(&request).await {
            Ok(created) => self.db(move |l| l.mark_created(row.id, &created)).await,
            Err(GatewayError::Refused { code: Some(code), .. }) if code == DUPLICATE_ORDER_CODE => {
                if let Ok(Some(found)) = session.find_by_order(&row).await {
                    return self.record_lookup(&session, &row, found).await;
                }
                self.db(move |l| l.record_failure(row.id, InvoiceStatus::Unknown, ALREADY_ON_GATEWAY)).await?;
                Err(GatewayError::refused(DUPLICATE_ORDER_CODE, ALREADY_ON_GATEWAY).into())
            }
            Err(e) => {
                let refused =
                    if proven_absent || refused_before { InvoiceStatus::Failed } else { InvoiceStatus::Unknown };
                let status = status_after_failed_create(&e, refused, before);
                Err(self.record_failed_create(&row, status, e).await?)
            }
        }
    }

    /// Records a create that failed as `status`, and returns the error the cashier sees: for an
    /// unknown sale, one that says the customer may still pay (the ledger notes the same text).
    pub(super) async fn record_failed_create(
        &self,
        row: &Invoice,
        status: InvoiceStatus,
        e: GatewayError,
    ) -> Result<Error, Error> {
        let duplicate = matches!(&e, GatewayError::Refused { code: Some(c), .. } if c == DUPLICATE_ORDER_CODE);
        let err = match status {
            InvoiceStatus::Unknown if !duplicate => Error::SaleUnknown { order_id: row.order_id.clone(), cause: e },
            _ => Error::Gateway(e),
        };
        let note = if duplicate { ALREADY_ON_GATEWAY.to_string() } else { err.to_string() };
        let id = row.id;
        self.db(move |l| l.record_failure(id, status, &note)).await?;
        Ok(err)
    }

    /// Marks the sales a dead process left in `creating` (its request may have reached the
    /// gateway, but the answer was never stored) as `unknown`, to be checked. No network.
    pub fn mark_interrupted(&self) -> Result<Vec<Invoice>, Error> {
        mark_interrupted(&self.ledger)
    }

    /// [`Self::mark_interrupted`], then asks the gateway by order id about each interrupted sale
    /// not settled yet: one it has becomes pending with its link; the others keep a note saying
    /// what is known. Returns those sales as they stand afterwards.
    pub async fn recover(&self) -> Result<Vec<Invoice>, Error> {
        let desk_ledger = self.ledger.clone();
        unblocked(move || mark_interrupted(&desk_ledger)).await?;
        let mut checked = Vec::new();
        for row in self.db(|l| l.in_status(InvoiceStatus::Unknown)).await? {
            let interrupted = row.last_error.as_deref().is_some_and(|e| e.starts_with(INTERRUPTED));
            if interrupted && row.gateway_invoice_id.is_none() {
                checked.push(self.recover_row(&row).await?);
            }
        }
        Ok(checked)
    }

    async fn recover_row(&self, row: &Invoice) -> Result<Invoice, Error> {
        let checked = match self.session(&row.gateway).await {
            Ok(session) => self.check_by_order(&session, row).await,
            Err(e) => Err(e),
        };
        let note = match checked {
            Ok(Checked::Found(done) | Checked::NotThere(done)) => return Ok(done),
            // Not starting with INTERRUPTED: asking again at the next start could not tell more.
            Ok(Checked::CannotAsk) => format!(
                "{} cannot be asked by order id whether it got this sale (it was interrupted before the answer was stored); {MAY_STILL_PAY}",
                row.gateway
            ),
            Ok(Checked::NotFoundYet) => format!(
                "{INTERRUPTED}; {} did not list it (yet): it is asked again on the next start or status check; {MAY_STILL_PAY}",
                row.gateway
            ),
            Err(e @ Error::Ledger(_)) => return Err(e),
            Err(e) => format!("{INTERRUPTED}; asking the gateway failed ({e}): it is asked again on the next start or status check"),
        };
        let (id, order_id) = (row.id, row.order_id.clone());
        self.db(move |l| {
            let noted = l.transition(id, InvoiceStatus::Unknown, InvoiceStatus::Unknown, &note)?;
            noted.map_or_else(|| l.find(&order_id), Ok)
        })
        .await
    }

    /// Asks the gateway whether it has `invoice`'s order id and records the answer. Only a
    /// documented lookup's "none" is said in the trail: a search's proves nothing.
    pub(super) async fn check_by_order(&self, session: &Session, invoice: &Invoice) -> Result<Checked, Error> {
        match session.find_by_order(invoice).await {
            Ok(Some(found)) => self.record_lookup(session, invoice, found).await.map(Checked::Found),
            Ok(None) if session.gateway.info().lookup == Lookup::ByOrderId => {
                // Said once in the trail, however often the sale is asked about.
                let said = invoice.last_error.as_deref() == Some(NOT_ON_GATEWAY);
                let (id, status, order_id) = (invoice.id, invoice.status, invoice.order_id.clone());
                let row = self
                    .db(move |l| {
                        if !said {
                            l.transition(id, status, status, NOT_ON_GATEWAY)?;
                        }
                        l.find(&order_id)
                    })
                    .await?;
                Ok(Checked::NotThere(row))
            }
            Ok(None) => Ok(Checked::NotFoundYet),
            Err(GatewayError::Unsupported(_)) => Ok(Checked::CannotAsk),
            Err(e) => Err(e.into()),
        }
    }

    /// Records what a lookup found on `invoice` (as it was read); if another process changed the
    /// row meanwhile, its newer state stands.
    async fn record_lookup(&self, session: &Session, invoice: &Invoice, found: FoundInvoice) -> Result<Invoice, Error> {
        let note = (found.pay_link.is_none() && invoice.pay_link.is_none()).then(|| {
            format!(
                "{} has this order, but its lookup carries no pay link, so no QR can be shown again: if the customer cannot pay it another way, start a new sale",
                session.gateway.info().name
            )
        });
        let (id, status, order_id) = (invoice.id, invoice.status, invoice.order_id.clone());
        self.db(move |l| {
            let recorded = l.record_found(id, status, &found, note.as_deref())?;
            recorded.map_or_else(|| l.find(&order_id), Ok)
        })
        .await
    }
}

/// What asking the gateway by order id settled, each recorded on the sale.
pub(super) enum Checked {
    Found(Invoice),
    /// A documented lookup said it has none.
    NotThere(Invoice),
    /// A search did not find it, which proves nothing.
    NotFoundYet,
    /// The gateway has no lookup by order id.
    CannotAsk,
}

/// Marks the sales a dead process left in `creating` as `unknown`, to be checked.
fn mark_interrupted(ledger: &Ledger) -> Result<Vec<Invoice>, Error> {
    let mut marked = Vec::new();
    for row in ledger.in_status(InvoiceStatus::Creating)? {
        // Another process's charge may still be waiting for its answer; when it gets one, it
        // records it over this mark, and the guarded writes below never overwrite it.
        marked.extend(ledger.transition(row.id, InvoiceStatus::Creating, InvoiceStatus::Unknown, CHECKING)?);
    }
    Ok(marked)
}

/// What a failed create leaves known: a lost or unreadable answer means an invoice may exist,
/// a refusal means this send made none (`refused`), and a request that never left changes
/// nothing (`not_sent`).
pub(super) fn status_after_failed_create(
    e: &GatewayError,
    refused: InvoiceStatus,
    not_sent: InvoiceStatus,
) -> InvoiceStatus {
    match e {
        // A repeat refused as a duplicate: the gateway holds an invoice for this order id.
        GatewayError::Refused { code: Some(code), .. } if code == DUPLICATE_ORDER_CODE => InvoiceStatus::Unknown,
        // Made, but not shown to anyone: nobody can pay it.
        GatewayError::AmountMismatch { .. } => InvoiceStatus::Failed,
        GatewayError::Network(_)
        | GatewayError::Timeout
        | GatewayError::Unavailable(_)
        | GatewayError::BadResponse(_)
        // A create never fails a callback check; if it ever did, assume nothing.
        | GatewayError::BadSignature(_) => InvoiceStatus::Unknown,
        // The gateway said it holds none: no invoice from this send.
        GatewayError::Refused { .. } | GatewayError::Unauthorized(_) | GatewayError::NotFound(_) => refused,
        // Nothing left this till.
        GatewayError::MissingCredential { .. } | GatewayError::Unsupported(_) | GatewayError::Unreachable => not_sent,
    }
}

/// Why a retry would not be sent, and how the cashier finds out instead.
fn how_to_check(info: &GatewayInfo, order_id: &str) -> String {
    let why = match info.lookup {
        Lookup::Search => "could not confirm whether it holds",
        Lookup::ByOrderId | Lookup::Dashboard => "cannot be asked whether it holds",
    };
    format!(
        "{name} {why} an invoice for {order_id}, and sending it again could make a second one the customer might also pay: \
         look for {order_id} on the {name} dashboard; if it is there, the customer can still pay it; if not, start a new sale",
        name = info.name
    )
}
