//! The tills' side of the relay: a status a verified callback moved, announced on one channel.

use crate::{ShopDb, ShopError};
use paydesk_money::InvoiceStatus;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::Row;

/// The LISTEN/NOTIFY channel the relay announces moved statuses on.
pub const STATUS_CHANNEL: &str = "paydesk_status";

/// A sale's status moved by a verified callback: which till's sale, and to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusNotice {
    pub till_id: String,
    pub order_id: String,
    pub status: InvoiceStatus,
    pub gateway_status: String,
}

/// A listening connection. It re-connects by itself after a loss; [`Self::next`] then answers
/// `None` once, so the till can catch up with [`ShopDb::callback_statuses`].
pub struct StatusListener {
    listener: PgListener,
}

impl ShopDb {
    pub async fn listen(&self) -> Result<StatusListener, ShopError> {
        self.ready().await?;
        let mut listener = PgListener::connect_with(&self.pool).await.map_err(|e| self.err(e))?;
        listener.listen(STATUS_CHANNEL).await.map_err(|e| self.err(e))?;
        Ok(StatusListener { listener })
    }

    /// The statuses callbacks moved for `order_ids` of till `till_id`: what a till missed while
    /// its listening connection was down.
    pub async fn callback_statuses(&self, till_id: &str, order_ids: &[String]) -> Result<Vec<StatusNotice>, ShopError> {
        self.ready().await?;
        let rows = sqlx::query(
            "SELECT order_id, status, COALESCE(gateway_status, '') FROM sales
             WHERE till_id = $1 AND status_source = 'callback' AND order_id = ANY($2)",
        )
        .bind(till_id)
        .bind(order_ids)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(StatusNotice {
                    till_id: till_id.to_string(),
                    order_id: r.get(0),
                    status: r.get::<String, _>(1).parse().map_err(ShopError::Database)?,
                    gateway_status: r.get(2),
                })
            })
            .collect()
    }
}

impl StatusListener {
    /// The next notice; `Ok(None)` when the connection was lost (and is being made again).
    /// A payload that is not a notice is skipped.
    pub async fn next(&mut self) -> Result<Option<StatusNotice>, ShopError> {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str(n.payload()) {
                    Ok(notice) => return Ok(Some(notice)),
                    Err(_) => continue,
                },
                Ok(None) => return Ok(None),
                Err(e) => return Err(ShopError::from_sqlx(e, None)),
            }
        }
    }
}
