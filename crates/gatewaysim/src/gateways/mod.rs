//! One module per simulated gateway, each answering that gateway's contract under `/<id>/`, as
//! `../shared/gateways.md` describes it (Demo's contract is Paydesk's own: see the README).

use crate::Sim;
use axum::http::HeaderMap;
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

/// A request header as text, if present and readable (names are case-insensitive).
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `headers` carry exactly `expected` under `name`, compared in constant time.
fn header_is(headers: &HeaderMap, name: &str, expected: &str) -> bool {
    header(headers, name).is_some_and(|v| crate::wire::same(expected.as_bytes(), v.as_bytes()))
}
