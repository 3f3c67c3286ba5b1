//! The shop's catalog: its tax rates (one may be the default for free amounts) and its items,
//! each priced in a currency with an optional rate, barcode and category. A sale copies what it
//! needs into its own lines, so changing or replacing the catalog never changes a past sale.

use crate::schema::write_tx;
use crate::{Ledger, LedgerError};
use paydesk_money::tax::TaxRate;
use paydesk_money::{Amount, Currency};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// A tax rate as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogRate {
    pub rate: TaxRate,
    /// Applies to free amounts (and items that name no rate).
    pub is_default: bool,
}

/// An item of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub price: Amount,
    /// The name of its tax rate; `None`: the default rate, if any.
    pub tax_rate: Option<String>,
    pub barcode: Option<String>,
    pub category: Option<String>,
}

/// An item as it is added or imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub name: String,
    pub price: Amount,
    pub tax_rate: Option<String>,
    pub barcode: Option<String>,
    pub category: Option<String>,
}

const ITEM_COLUMNS: &str = "id, name, price_minor, currency, tax_rate, barcode, category";

fn read_item(r: &Row<'_>) -> rusqlite::Result<Item> {
    let bad = |at: usize, e: String| crate::invoice::conversion_error(at, e);
    let currency: Currency =
        r.get::<_, String>(3)?.parse().map_err(|e: paydesk_money::MoneyError| bad(3, e.to_string()))?;
    Ok(Item {
        id: r.get(0)?,
        name: r.get(1)?,
        price: Amount::from_minor(r.get::<_, i64>(2)? as u64, currency).map_err(|e| bad(2, e.to_string()))?,
        tax_rate: r.get(4)?,
        barcode: r.get(5)?,
        category: r.get(6)?,
    })
}

/// What an item's write was refused for, in words for the shop owner.
fn item_refused(e: rusqlite::Error, item: &NewItem) -> LedgerError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            LedgerError::Line(format!(
                "the barcode {} is already on another item",
                item.barcode.as_deref().unwrap_or_default()
            ))
        }
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            LedgerError::Line(format!("there is no tax rate '{}'", item.tax_rate.as_deref().unwrap_or_default()))
        }
        _ => e.into(),
    }
}

fn insert_item(conn: &Connection, item: &NewItem) -> Result<i64, LedgerError> {
    conn.prepare_cached(
        "INSERT INTO items (name, price_minor, currency, tax_rate, barcode, category) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        item.name,
        item.price.minor() as i64,
        item.price.currency().code(),
        item.tax_rate,
        item.barcode,
        item.category
    ])
    .map_err(|e| item_refused(e, item))?;
    Ok(conn.last_insert_rowid())
}

impl Ledger {
    /// The tax rates, by name.
    pub fn tax_rates(&self) -> Result<Vec<CatalogRate>, LedgerError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT name, basis_points, inclusive, is_default FROM tax_rates ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(CatalogRate {
                rate: TaxRate { name: r.get(0)?, basis_points: r.get(1)?, inclusive: r.get(2)? },
                is_default: r.get(3)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Adds the rate, or changes the one of that name (past sales keep the rate they had). Making
    /// it the default takes that from any other.
    pub fn save_tax_rate(&self, rate: &CatalogRate) -> Result<(), LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        if rate.is_default {
            tx.execute("UPDATE tax_rates SET is_default = 0 WHERE is_default = 1 AND name <> ?1", [&rate.rate.name])?;
        }
        tx.execute(
            "INSERT INTO tax_rates (name, basis_points, inclusive, is_default) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET basis_points = ?2, inclusive = ?3, is_default = ?4",
            params![rate.rate.name, rate.rate.basis_points, rate.rate.inclusive, rate.is_default],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a rate no item names.
    pub fn delete_tax_rate(&self, name: &str) -> Result<(), LedgerError> {
        let conn = self.lock();
        let used: i64 = conn.query_row("SELECT COUNT(*) FROM items WHERE tax_rate = ?1", [name], |r| r.get(0))?;
        if used > 0 {
            return Err(LedgerError::Line(format!("{used} item(s) use the tax rate '{name}': change them first")));
        }
        match conn.execute("DELETE FROM tax_rates WHERE name = ?1", [name])? {
            0 => Err(LedgerError::NotFound(name.to_string())),
            _ => Ok(()),
        }
    }

    /// Items whose name, category or barcode contains `search` (any case), by name.
    pub fn items(&self, search: &str, limit: u32) -> Result<Vec<Item>, LedgerError> {
        let pattern = format!("%{}%", search.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM items
             WHERE name LIKE ?1 ESCAPE '\\' OR category LIKE ?1 ESCAPE '\\' OR barcode LIKE ?1 ESCAPE '\\'
             ORDER BY name COLLATE NOCASE, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![pattern, limit], read_item)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    pub fn item(&self, id: i64) -> Result<Item, LedgerError> {
        let conn = self.lock();
        conn.query_row(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1"), [id], read_item)
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("item {id}")))
    }

    pub fn item_by_barcode(&self, barcode: &str) -> Result<Option<Item>, LedgerError> {
        let conn = self.lock();
        Ok(conn
            .query_row(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE barcode = ?1"), [barcode], read_item)
            .optional()?)
    }

    /// Adds an item (`id` None) or changes one.
    pub fn save_item(&self, id: Option<i64>, item: &NewItem) -> Result<Item, LedgerError> {
        let conn = self.lock();
        let id = match id {
            None => insert_item(&conn, item)?,
            Some(id) => {
                let changed = conn
                    .execute(
                        "UPDATE items SET name = ?2, price_minor = ?3, currency = ?4, tax_rate = ?5, barcode = ?6,
                                          category = ?7 WHERE id = ?1",
                        params![
                            id,
                            item.name,
                            item.price.minor() as i64,
                            item.price.currency().code(),
                            item.tax_rate,
                            item.barcode,
                            item.category
                        ],
                    )
                    .map_err(|e| item_refused(e, item))?;
                if changed == 0 {
                    return Err(LedgerError::NotFound(format!("item {id}")));
                }
                id
            }
        };
        drop(conn);
        self.item(id)
    }

    pub fn delete_item(&self, id: i64) -> Result<(), LedgerError> {
        match self.lock().execute("DELETE FROM items WHERE id = ?1", [id])? {
            0 => Err(LedgerError::NotFound(format!("item {id}"))),
            _ => Ok(()),
        }
    }

    /// Replaces every item with `items`, in one transaction: a refused item leaves the catalog as
    /// it was. The error names the item by its place in `items` (from 0).
    pub fn replace_catalog(&self, items: &[NewItem]) -> Result<usize, (usize, LedgerError)> {
        let mut conn = self.lock();
        let whole = |e: LedgerError| (0, e);
        let tx = write_tx(&mut conn).map_err(|e| whole(e.into()))?;
        tx.execute("DELETE FROM items", []).map_err(|e| whole(e.into()))?;
        for (at, item) in items.iter().enumerate() {
            insert_item(&tx, item).map_err(|e| (at, e))?;
        }
        tx.commit().map_err(|e| whole(e.into()))?;
        Ok(items.len())
    }
}
