//! Shop-wide reads: the tills, the sales of every till for History, and a period's totals per
//! till in the ledger's own shapes, so the shop report is summed by the same code as a till's.

use crate::{ShopDb, ShopError};
use paydesk_ledger::{GroupTotal, InvoiceKind, TaxTotal, RECEIVED};
use paydesk_money::tax::TaxRate;
use paydesk_money::{Amount, Currency, InvoiceStatus};
use sqlx::Row;

/// A till that has pushed to the shop database.
#[derive(Debug, Clone, PartialEq)]
pub struct TillInfo {
    pub till_id: String,
    pub name: String,
    /// Unix seconds of its last push.
    pub last_push: i64,
    pub sales: u64,
}

/// One sale as the shop database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopSale {
    pub till_id: String,
    pub till_name: String,
    pub order_id: String,
    pub kind: InvoiceKind,
    pub gateway: String,
    pub amount: Amount,
    pub tip_minor: u64,
    pub description: Option<String>,
    pub status: InvoiceStatus,
    pub gateway_status: Option<String>,
    pub cashier: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The status came from a verified gateway callback (through the relay), not the till.
    pub by_callback: bool,
}

/// One till's share of a period's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct TillTotal {
    pub till_id: String,
    pub group: GroupTotal,
}

/// One till's tax per rate over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct TillTax {
    pub till_id: String,
    pub tax: TaxTotal,
}

fn bad_row(what: impl std::fmt::Display) -> ShopError {
    ShopError::Database(format!("the shop database holds a row this till cannot read: {what}"))
}

fn currency(code: &str) -> Result<Currency, ShopError> {
    code.parse().map_err(|e: paydesk_money::MoneyError| bad_row(e))
}

impl ShopDb {
    /// Every till, by name.
    pub async fn tills(&self) -> Result<Vec<TillInfo>, ShopError> {
        self.ready().await?;
        let rows = sqlx::query(
            "SELECT t.till_id, t.name, extract(epoch FROM t.last_push)::bigint,
                    (SELECT COUNT(*) FROM sales AS s WHERE s.till_id = t.till_id)
             FROM tills AS t ORDER BY t.name, t.till_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| TillInfo {
                till_id: r.get(0),
                name: r.get(1),
                last_push: r.get(2),
                sales: r.get::<i64, _>(3) as u64,
            })
            .collect())
    }

    /// The newest sales of every till, optionally those whose order id, description, amount or
    /// till name contains `search`.
    pub async fn sales(&self, search: Option<&str>, limit: u32, offset: u32) -> Result<Vec<ShopSale>, ShopError> {
        self.ready().await?;
        let pattern = search.map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let rows = sqlx::query(
            "SELECT s.till_id, t.name, s.order_id, s.kind, s.gateway, s.amount_minor, s.tip_minor, s.currency,
                    s.description, s.status, s.gateway_status, s.cashier, s.created_at, s.updated_at,
                    s.status_source = 'callback'
             FROM sales AS s JOIN tills AS t ON t.till_id = s.till_id
             WHERE $1::text IS NULL OR s.order_id ILIKE $1 OR s.description ILIKE $1 OR t.name ILIKE $1
             ORDER BY s.created_at DESC, s.order_id DESC LIMIT $2 OFFSET $3",
        )
        .bind(pattern)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter().map(read_sale).collect()
    }

    /// Counts and sums of the sales created in `[from, to)` (Unix seconds) per till, grouped as
    /// [`paydesk_ledger::Ledger::totals`] groups them.
    pub async fn totals(&self, from: i64, to: i64) -> Result<Vec<TillTotal>, ShopError> {
        self.ready().await?;
        let rows = sqlx::query(
            "SELECT till_id, kind, status, gateway, currency, COUNT(*), SUM(amount_minor)::bigint,
                    SUM(tip_minor)::bigint, cashier
             FROM sales WHERE created_at >= $1 AND created_at < $2
             GROUP BY till_id, kind, status, gateway, currency, cashier
             ORDER BY till_id, kind, status, gateway, currency, cashier",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(TillTotal {
                    till_id: r.get(0),
                    group: GroupTotal {
                        kind: r.get::<String, _>(1).parse().map_err(bad_row)?,
                        status: r.get::<String, _>(2).parse().map_err(bad_row)?,
                        gateway: r.get(3),
                        currency: currency(r.get(4))?,
                        count: r.get::<i64, _>(5) as u64,
                        minor: r.get::<i64, _>(6) as u64,
                        tips_minor: r.get::<i64, _>(7) as u64,
                        cashier: r.get(8),
                    },
                })
            })
            .collect()
    }

    /// Tax per rate and priced currency per till over the sales and cash sales received in
    /// `[from, to)`, leaving out sales on `practice_gateway`, as the ledger's own sum does.
    pub async fn tax_totals(&self, from: i64, to: i64, practice_gateway: &str) -> Result<Vec<TillTax>, ShopError> {
        self.ready().await?;
        let received: Vec<&str> = RECEIVED.iter().map(|s| s.as_str()).collect();
        let rows = sqlx::query(
            "SELECT s.till_id, COALESCE(s.priced_currency, s.currency), t.name, t.basis_points, t.inclusive, COUNT(*),
                    SUM(t.net_minor)::bigint, SUM(t.tax_minor)::bigint, SUM(t.gross_minor)::bigint
             FROM sales AS s JOIN sale_taxes AS t ON t.order_id = s.order_id
             WHERE s.created_at >= $1 AND s.created_at < $2 AND s.kind IN ('sale', 'cash')
               AND s.status = ANY($3) AND NOT (s.kind = 'sale' AND s.gateway = $4)
             GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
        )
        .bind(from)
        .bind(to)
        .bind(&received)
        .bind(practice_gateway)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(TillTax {
                    till_id: r.get(0),
                    tax: TaxTotal {
                        currency: currency(r.get(1))?,
                        rate: TaxRate {
                            name: r.get(2),
                            basis_points: u32::try_from(r.get::<i64, _>(3)).map_err(bad_row)?,
                            inclusive: r.get(4),
                        },
                        count: r.get::<i64, _>(5) as u64,
                        net_minor: r.get::<i64, _>(6) as u64,
                        tax_minor: r.get::<i64, _>(7) as u64,
                        gross_minor: r.get::<i64, _>(8) as u64,
                    },
                })
            })
            .collect()
    }
}

fn read_sale(r: &sqlx::postgres::PgRow) -> Result<ShopSale, ShopError> {
    let minor = u64::try_from(r.get::<i64, _>(5)).map_err(bad_row)?;
    Ok(ShopSale {
        till_id: r.get(0),
        till_name: r.get(1),
        order_id: r.get(2),
        kind: r.get::<String, _>(3).parse().map_err(bad_row)?,
        gateway: r.get(4),
        amount: Amount::from_minor(minor, currency(r.get(7))?).map_err(bad_row)?,
        tip_minor: r.get::<i64, _>(6) as u64,
        description: r.get(8),
        status: r.get::<String, _>(9).parse().map_err(bad_row)?,
        gateway_status: r.get(10),
        cashier: r.get(11),
        created_at: r.get(12),
        updated_at: r.get(13),
        by_callback: r.get(14),
    })
}
