//! The till: the application the window and the CLI both drive. Charging and following a sale,
//! cash and refunds, settings, the manager PIN, credentials in the OS keyring, receipts and reports.
//! It calls gateways only through `paydesk-gateways` and stores only through `paydesk-ledger`.

pub mod api;
pub mod catalog_csv;
pub mod config;
pub mod credentials;
pub mod error;
pub mod pin;
pub mod pricing;
pub mod printing;
pub mod qr;
pub mod receipt;
pub mod reference_rates;
pub mod report;
pub mod service;
pub mod shop_link;
