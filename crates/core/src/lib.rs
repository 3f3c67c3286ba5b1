//! Paydesk's core: everything a charge depends on, with no webview. The app, the CLI and the
//! tests all go through [`service::Paydesk`].

pub mod gateway;
pub mod gateways;
pub mod http;
pub mod money;
pub mod secret;
pub mod sign;
pub mod status;
