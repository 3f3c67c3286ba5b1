//! `paydesk relay`: the server side of several tills, one shop. It receives the gateways'
//! payment callbacks on a public address, checks them, and writes the statuses to the shop
//! database, which tells each till at once (see paydesk-relay).

use crate::desk::credential_store;
use paydesk_relay::Relay;
use paydesk_shop::{ShopDb, ShopError};
use paydesk_till::error::Error;

/// The variable the shop database's address is read from without `--shop-database` (the same
/// one a till reads).
const URL_VAR: &str = "PAYDESK_SHOP_DATABASE_URL";

pub(crate) async fn relay(listen: &str, shop_database: Option<String>) -> Result<(), Error> {
    let url =
        shop_database.or_else(|| std::env::var(URL_VAR).ok()).filter(|u| !u.trim().is_empty()).ok_or_else(|| {
            Error::BadInput(format!("give the shop database's address with --shop-database or {URL_VAR}"))
        })?;
    let shop = ShopDb::open(&url)?;
    println!("shop database: {}", shop.shown());
    match shop.ready().await {
        Ok(()) => {}
        // Callbacks get 503 (gateways retry) until it is back; a wrong password or a newer
        // schema will not mend itself.
        Err(ShopError::Unreachable(e)) => {
            eprintln!("paydesk: the shop database cannot be reached yet ({e}): callbacks get 503 until it can")
        }
        Err(e) => return Err(e.into()),
    }
    // Credentials from the keyring (PAYDESK_<GATEWAY>_<FIELD> first), whose calls block.
    let store = credential_store();
    let relay = tokio::task::spawn_blocking(move || {
        Relay::load(shop, paydesk_gateways::registry(), |info| store.load(info), |var| std::env::var(var).ok())
    })
    .await
    .map_err(|e| Error::Local(format!("loading the gateways' credentials failed: {e}")))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::BadInput(format!("the relay cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| Error::Local(e.to_string()))?;
    if relay.served().is_empty() {
        eprintln!("paydesk: no gateway has the credentials to check its callbacks (paydesk credentials set …)");
    }
    for id in relay.served() {
        println!("  {id:<10} callback URL http://{addr}/callback/{id}");
    }
    for (id, why) in relay.skipped() {
        println!("  {id:<10} not served: {why}");
    }
    println!("relay listening on http://{addr} (Ctrl-C to stop)");
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    paydesk_relay::serve_until(listener, relay, stop)
        .await
        .map_err(|e| Error::Local(format!("the relay stopped: {e}")))?;
    println!("relay stopped");
    Ok(())
}
