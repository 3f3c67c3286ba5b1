//! Paydesk's core: everything a charge depends on, with no webview. The app, the CLI and the
//! tests all go through [`service::Paydesk`].

pub mod api;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod error;
pub mod export;
pub mod gateway;
pub mod gateways;
pub mod http;
pub mod ledger;
pub mod money;
pub mod pin;
pub mod qr;
pub mod receipt;
pub mod report;
pub mod secret;
pub mod service;
pub mod sign;
pub mod status;
