//! The shop database: one PostgreSQL database that several tills replicate their ledgers into,
//! read for the shop-wide History and Report, and written by the callback relay.
//!
//! Each till's SQLite ledger stays its own truth (it sells with the network down); this is the
//! shop's shared copy. Writes are idempotent: a change is keyed by (till, outbox sequence), a sale
//! by its order id, and a status only moves forward.

mod callbacks;
mod error;
mod listen;
mod push;
mod schema;
mod views;

pub use callbacks::{Applied, CallbackStatus};
pub use error::ShopError;
pub use listen::{StatusListener, StatusNotice, STATUS_CHANNEL};
pub use push::drain;
pub use schema::{ShopDb, SCHEMA_VERSION};
pub use views::{ShopSale, TillInfo, TillTax, TillTotal};
