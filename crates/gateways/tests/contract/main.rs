//! Contract tests: each gateway's client against the simulator over real HTTP on 127.0.0.1.
//! One module per gateway; `common` starts the simulator and calls the gateway like the app does.

mod common;

mod callback_url;
mod demo;
mod dex3;
mod mutations;
mod nonstopay;
mod oxapay;
mod pay3;
mod thedex;
