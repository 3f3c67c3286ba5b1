//! What the relay writes: a verified gateway callback's status, applied once, forward only, and
//! announced to the tills (LISTEN/NOTIFY) in the same transaction.

use crate::listen::{StatusNotice, STATUS_CHANNEL};
use crate::{ShopDb, ShopError};
use paydesk_money::InvoiceStatus;
use sqlx::Row;

/// A callback whose signature the gateway module checked.
#[derive(Debug, Clone)]
pub struct CallbackStatus<'a> {
    pub gateway: &'a str,
    /// The hex SHA-256 of the raw body: the same callback again is a replay.
    pub digest: &'a str,
    pub order_id: Option<&'a str>,
    pub gateway_invoice_id: Option<&'a str>,
    pub status: InvoiceStatus,
    pub gateway_status: &'a str,
}

/// What applying a callback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The sale's status moved; its till was told.
    Moved(StatusNotice),
    /// The sale was already there or further on (an older or repeated status): nothing changed.
    Unchanged { order_id: String },
    /// This exact callback was applied before.
    Replayed,
    /// No sale of this gateway has that order id or invoice id (yet: its till may not have pushed
    /// it). Nothing is kept, so the gateway's retry can still apply it.
    UnknownSale,
}

impl ShopDb {
    pub async fn apply_callback(&self, cb: &CallbackStatus<'_>) -> Result<Applied, ShopError> {
        self.ready().await?;
        let mut tx = self.pool.begin().await.map_err(|e| self.err(e))?;
        let sale = sqlx::query(
            "SELECT order_id, till_id FROM sales
             WHERE gateway = $1 AND (order_id = $2 OR ($2 IS NULL AND gateway_invoice_id = $3))
             FOR UPDATE",
        )
        .bind(cb.gateway)
        .bind(cb.order_id)
        .bind(cb.gateway_invoice_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.err(e))?;
        let Some(sale) = sale else { return Ok(Applied::UnknownSale) };
        let (order_id, till_id): (String, String) = (sale.get(0), sale.get(1));
        let fresh = sqlx::query(
            "INSERT INTO callbacks (gateway, digest, order_id, status, applied) VALUES ($1, $2, $3, $4, false)
             ON CONFLICT DO NOTHING",
        )
        .bind(cb.gateway)
        .bind(cb.digest)
        .bind(&order_id)
        .bind(cb.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| self.err(e))?
        .rows_affected();
        if fresh == 0 {
            return Ok(Applied::Replayed);
        }
        let moved = sqlx::query(
            "UPDATE sales SET status = $2, gateway_status = $3, status_source = 'callback',
                              updated_at = extract(epoch FROM now())::bigint
             WHERE order_id = $1 AND status <> $2 AND paydesk_may_move(status, $2)",
        )
        .bind(&order_id)
        .bind(cb.status.as_str())
        .bind(cb.gateway_status)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.err(e))?
        .rows_affected();
        let applied = if moved == 1 {
            let notice =
                StatusNotice { till_id, order_id, status: cb.status, gateway_status: cb.gateway_status.to_string() };
            let payload = serde_json::to_string(&notice).expect("plain struct serializes");
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(STATUS_CHANNEL)
                .bind(payload)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
            sqlx::query("UPDATE callbacks SET applied = true WHERE gateway = $1 AND digest = $2")
                .bind(cb.gateway)
                .bind(cb.digest)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
            Applied::Moved(notice)
        } else {
            Applied::Unchanged { order_id }
        };
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(applied)
    }
}
