//! Following a sale until it is final: the one loop the app (after Charge, and for every sale left
//! open at start-up), the CLI's `status --watch` and the tests all run.

use super::recover::Checked;
use super::session::Session;
use super::{Paydesk, NOT_ON_GATEWAY};
use crate::error::{Error, ErrorCode};
use paydesk_gateways::gateway::GatewayError;
use paydesk_ledger::Invoice;
use paydesk_money::clock::unix_now;
use paydesk_money::InvoiceStatus;
use std::time::Duration;

/// How long past its expiry an invoice with a payment on its way is still followed.
const MONEY_IN_FLIGHT_GRACE: Duration = Duration::from_secs(24 * 3600);
/// How long a sale whose gateway gave no expiry (NonStoPay keeps invoices 14 days) is followed
/// before a person is asked to settle it from the dashboard.
pub const NO_EXPIRY_FOLLOW: Duration = Duration::from_secs(24 * 3600);
/// The longest pause between two questions while an outage lasts.
pub const FOLLOW_BACKOFF_MAX: Duration = Duration::from_secs(60);

/// How a follow paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Between two questions while the gateway answers.
    pub every: Duration,
    /// How long past the invoice's expiry it is still asked about.
    pub grace: Duration,
}

impl Paydesk {
    /// Asks the gateway for the invoice's status once and records it (see [`Self::follow`]).
    pub async fn refresh(&self, key: &str) -> Result<Invoice, Error> {
        let invoice = self.find_async(key).await?;
        if invoice.status.is_final() {
            return Ok(invoice);
        }
        let session = self.session(&invoice.gateway).await?;
        self.refresh_with(&session, invoice).await
    }

    /// Asks about `invoice` through `session` and records the answer. A final status is not asked
    /// again. A sale without the gateway's id (a lost create answer, or a gateway whose create
    /// answer carries none) is looked up by our order id first, which also yields the id to poll.
    async fn refresh_with(&self, session: &Session, invoice: Invoice) -> Result<Invoice, Error> {
        if invoice.status.is_final() {
            return Ok(invoice);
        }
        if invoice.gateway_invoice_id.is_none()
            && matches!(invoice.status, InvoiceStatus::Unknown | InvoiceStatus::Pending)
        {
            match self.check_by_order(session, &invoice).await? {
                Checked::Found(found) => return Ok(found),
                // An error, so a follow stops instead of asking forever about a sale that is not there.
                Checked::NotThere(_) if invoice.status == InvoiceStatus::Unknown => {
                    return Err(GatewayError::NotFound(NOT_ON_GATEWAY.into()).into())
                }
                // Not listed yet (or not findable): nothing new is known; the follow asks again.
                Checked::NotThere(_) | Checked::NotFoundYet => return self.find_async(&invoice.order_id).await,
                Checked::CannotAsk => {}
            }
        }
        let info = session.gateway.info();
        if !info.can_poll {
            return Err(GatewayError::Unsupported(format!("{} has no status endpoint to ask", info.name)).into());
        }
        let report = session.status(&invoice).await?;
        self.db(move |l| l.record_status(invoice.id, &report)).await
    }

    /// Until when a sale is worth asking about: its expiry plus `grace` (a day when a payment is
    /// already on its way, since confirmations can outlast an invoice), or a day after it was made
    /// when the gateway gave no expiry.
    pub fn follow_deadline(invoice: &Invoice, grace: Duration) -> i64 {
        let grace = if matches!(invoice.status, InvoiceStatus::Confirming | InvoiceStatus::Underpaid) {
            grace.max(MONEY_IN_FLIGHT_GRACE)
        } else {
            grace
        };
        match invoice.expires_at {
            Some(at) => at + grace.as_secs() as i64,
            None => invoice.created_at + NO_EXPIRY_FOLLOW.as_secs() as i64,
        }
    }

    /// Follows a sale until it is final, calling `on_change` with its state first and with each
    /// change. One gateway session serves the whole follow (credentials are read once, and again
    /// only after a failure). Outages (a network that is down, 5xx or 429, a busy ledger or
    /// keyring) are waited out, asking less often the longer they last (up to
    /// [`FOLLOW_BACKOFF_MAX`]). Every follow ends: at once on a failure whose
    /// [`crate::error::ErrorCode::ends_follow`] says waiting cannot heal it, and at the sale's
    /// [`Self::follow_deadline`] whatever happens. Why it ended is written on the sale (its last
    /// note) unless it is final.
    pub async fn follow(&self, key: &str, pace: Pace, mut on_change: impl FnMut(&Invoice)) -> Result<Invoice, Error> {
        let mut last = self.find_async(key).await?;
        on_change(&last);
        let mut session: Option<Session> = None;
        let mut pause = pace.every;
        loop {
            if last.status.is_final() {
                return Ok(last);
            }
            // Whether this ask uses credentials read just now, or ones read earlier in the follow.
            let fresh = session.is_none();
            let asked = match session.take() {
                Some(s) => Ok(s),
                None => self.session(&last.gateway).await,
            };
            let answer = match asked {
                Ok(s) => {
                    let answer = self.refresh_with(&s, last.clone()).await;
                    session = Some(s);
                    answer
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(now) => {
                    if now.status != last.status || now.gateway_status != last.gateway_status {
                        on_change(&now);
                    }
                    pause = pace.every;
                    last = now;
                    if !last.status.is_final() && unix_now() > Self::follow_deadline(&last, pace.grace) {
                        let why = self.unsettled_note(&last);
                        let noted = self.note_follow_end(key, &why).await?;
                        on_change(&noted);
                        return Ok(noted);
                    }
                }
                Err(err) => {
                    // A failed session is built afresh next time: credentials may have been fixed.
                    session = None;
                    last = self.find_async(key).await?;
                    if !fresh && err.code() == ErrorCode::GatewayUnauthorized {
                        // Refused credentials read earlier (a key rotated since?): ask once more
                        // with the keyring's current ones before giving up.
                        continue;
                    }
                    if err.code().ends_follow() || unix_now() > Self::follow_deadline(&last, pace.grace) {
                        self.note_follow_end(key, &format!("stopped following: {err}")).await?;
                        return Err(err);
                    }
                    pause = (pause * 2).min(FOLLOW_BACKOFF_MAX);
                }
            }
            if !last.status.is_final() {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    // News of a sale (a callback through the shop relay): read the ledger now.
                    _ = self.news.notified() => {
                        let now = self.find_async(key).await?;
                        if now.status != last.status || now.gateway_status != last.gateway_status {
                            on_change(&now);
                        }
                        last = now;
                    }
                }
            }
        }
    }

    /// What a sale followed to its deadline without a final answer says: a person takes over.
    fn unsettled_note(&self, invoice: &Invoice) -> String {
        let name = self.gateway(&invoice.gateway).map_or(invoice.gateway.as_str(), |g| g.info().name);
        let waited = if invoice.expires_at.is_some() { "after its expiry" } else { "a day after it was made" };
        format!(
            "no final answer from {name} {waited}: stopped asking. Confirm it on the {name} dashboard; a manager can then mark it paid or not paid"
        )
    }

    /// Says in the sale's trail why nobody follows it any more, once; returns the sale.
    pub async fn note_follow_end(&self, key: &str, why: &str) -> Result<Invoice, Error> {
        let (key, why) = (key.to_string(), why.to_string());
        self.db(move |l| {
            let invoice = l.find(&key)?;
            if invoice.status.is_final() || invoice.last_error.as_deref() == Some(why.as_str()) {
                return Ok(invoice);
            }
            l.transition(invoice.id, invoice.status, invoice.status, &why)?.map_or_else(|| l.find(&key), Ok)
        })
        .await
    }
}
