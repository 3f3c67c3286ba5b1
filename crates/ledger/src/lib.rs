//! The ledger: one SQLite file of sales, cash entries and refunds, its migrations, and the queries
//! behind history, reports and CSV exports. It knows the sale model, never a gateway.

pub mod export;
mod store;

pub use store::*;
