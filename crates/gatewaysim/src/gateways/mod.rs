//! One module per simulated gateway, each answering that gateway's contract under `/<id>/`.

use crate::Sim;
use axum::Router;

pub mod demo;
pub mod dex3;
pub mod nonstopay;
pub mod oxapay;
pub mod pay3;
pub mod thedex;

pub struct SimGateway {
    pub id: &'static str,
    /// The credentials this simulated merchant account accepts (field name, value).
    pub credentials: &'static [(&'static str, &'static str)],
    pub routes: fn() -> Router<Sim>,
}

pub const ALL: &[SimGateway] =
    &[demo::GATEWAY, dex3::GATEWAY, oxapay::GATEWAY, thedex::GATEWAY, pay3::GATEWAY, nonstopay::GATEWAY];

/// The credentials the simulator accepts for `gateway` (empty for an unknown id).
pub fn credentials(gateway: &str) -> &'static [(&'static str, &'static str)] {
    ALL.iter().find(|g| g.id == gateway).map(|g| g.credentials).unwrap_or(&[])
}
