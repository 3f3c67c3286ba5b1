//! Pushing a till's outbox into the shop database: one transaction per batch, idempotent, so a
//! push cut off anywhere (server stopped, answer lost) is simply done again.

use crate::{ShopDb, ShopError};
use paydesk_ledger::{Change, Ledger, OutboxBatch};

/// How many outbox entries go in one transaction.
const BATCH: u32 = 200;

impl ShopDb {
    /// Writes one batch for the till `till_id` (named `till_name` in shop views) in one
    /// transaction. A sale's row is replaced only by a newer change of the same till, and its
    /// status only moves forward (a verified callback may have moved it further meanwhile).
    pub async fn push(&self, till_id: &str, till_name: &str, batch: &OutboxBatch) -> Result<(), ShopError> {
        self.ready().await?;
        let mut tx = self.pool.begin().await.map_err(|e| self.err(e))?;
        sqlx::query(
            "INSERT INTO tills (till_id, name) VALUES ($1, $2)
             ON CONFLICT (till_id) DO UPDATE SET name = EXCLUDED.name, last_push = now()",
        )
        .bind(till_id)
        .bind(till_name)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.err(e))?;
        for change in &batch.changes {
            upsert(&mut tx, till_id, change).await.map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))
    }
}

async fn upsert(tx: &mut sqlx::PgConnection, till_id: &str, change: &Change) -> Result<(), sqlx::Error> {
    let sale = &change.invoice;
    let priced = sale.priced.as_ref();
    sqlx::query(
        "INSERT INTO sales (order_id, till_id, kind, gateway, amount_minor, tip_minor, currency, description, status,
                            gateway_status, gateway_invoice_id, refund_of, cashier, priced_minor, priced_currency,
                            created_at, updated_at, change_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (order_id) DO UPDATE SET
            description = EXCLUDED.description,
            status = CASE WHEN paydesk_may_move(sales.status, EXCLUDED.status) THEN EXCLUDED.status ELSE sales.status END,
            gateway_status = CASE WHEN paydesk_may_move(sales.status, EXCLUDED.status)
                                  THEN EXCLUDED.gateway_status ELSE sales.gateway_status END,
            status_source = CASE WHEN paydesk_may_move(sales.status, EXCLUDED.status) AND sales.status <> EXCLUDED.status
                                 THEN 'till' ELSE sales.status_source END,
            gateway_invoice_id = COALESCE(EXCLUDED.gateway_invoice_id, sales.gateway_invoice_id),
            cashier = EXCLUDED.cashier,
            updated_at = EXCLUDED.updated_at,
            change_seq = EXCLUDED.change_seq
         WHERE sales.till_id = EXCLUDED.till_id AND sales.change_seq < EXCLUDED.change_seq",
    )
    .bind(&sale.order_id)
    .bind(till_id)
    .bind(sale.kind.as_str())
    .bind(&sale.gateway)
    .bind(sale.amount.minor() as i64)
    .bind(sale.tip_minor as i64)
    .bind(sale.amount.currency().code())
    .bind(&sale.description)
    .bind(sale.status.as_str())
    .bind(&sale.gateway_status)
    .bind(&sale.gateway_invoice_id)
    .bind(&sale.refund_of)
    .bind(&sale.cashier)
    .bind(priced.map(|p| p.amount.minor() as i64))
    .bind(priced.map(|p| p.amount.currency().code()))
    .bind(sale.created_at)
    .bind(sale.updated_at)
    .bind(change.seq)
    .execute(&mut *tx)
    .await?;
    for (position, tax) in change.taxes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO sale_taxes (order_id, position, name, basis_points, inclusive, net_minor, tax_minor, gross_minor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(&sale.order_id)
        .bind(position as i32)
        .bind(&tax.rate.name)
        .bind(i64::from(tax.rate.basis_points))
        .bind(tax.rate.inclusive)
        .bind(tax.net_minor as i64)
        .bind(tax.tax_minor as i64)
        .bind(tax.gross_minor as i64)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO sale_changes (till_id, seq, order_id, status, changed_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (till_id, seq) DO NOTHING",
    )
    .bind(till_id)
    .bind(change.seq)
    .bind(&sale.order_id)
    .bind(sale.status.as_str())
    .bind(change.at_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Pushes the till's outbox until it is empty: each batch is written to the shop database, then
/// dropped from the outbox. Returns how many sale changes went out. A failure leaves the rest
/// (and the batch it was writing) in the outbox for the next call.
pub async fn drain(ledger: &Ledger, shop: &ShopDb, till_name: &str) -> Result<u64, ShopError> {
    let till_id = ledger.till_id()?;
    let mut pushed = 0;
    while let Some(batch) = ledger.outbox_batch(BATCH)? {
        shop.push(&till_id, till_name, &batch).await?;
        ledger.outbox_taken(batch.through_seq)?;
        pushed += batch.changes.len() as u64;
    }
    Ok(pushed)
}
