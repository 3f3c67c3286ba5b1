//! The payment gateways: the one trait, one module per gateway, and the HTTP transport they share.
//! The only code that talks to a gateway. A new gateway is one module here and one line in
//! [`registry`].

use std::sync::Arc;

pub use callback::{Callback, CallbackReport};

pub mod callback;
pub mod error;
pub mod gateway;
pub mod http;
pub mod secret;
pub mod sign;

pub mod demo;
pub mod dex3;
pub mod nonstopay;
pub mod oxapay;
pub mod pay3;
pub mod thedex;

/// All gateways, Demo first (it works with no account).
pub fn registry() -> Vec<Arc<dyn gateway::Gateway>> {
    vec![
        Arc::new(demo::Demo),
        Arc::new(dex3::Dex3),
        Arc::new(oxapay::OxaPay),
        Arc::new(pay3::Pay3::default()),
        Arc::new(thedex::TheDex),
        Arc::new(nonstopay::NonStoPay),
    ]
}
