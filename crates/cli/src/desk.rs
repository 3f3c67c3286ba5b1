//! Opening the till for one command: the keyring, the settings shared with the app, the ledger.

use paydesk_ledger::Ledger;
use paydesk_till::config::TillConfig;
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::service::{Paydesk, Settings};
use std::path::PathBuf;

pub(crate) fn credential_store() -> CredentialStore {
    // A separate service name lets tests and trials keep their own keyring entries.
    let service =
        std::env::var("PAYDESK_KEYRING_SERVICE").unwrap_or_else(|_| paydesk_till::credentials::DEFAULT_SERVICE.into());
    CredentialStore::os_keyring(service)
}

/// The till, with the sales a crash interrupted marked and (for commands that go online anyway)
/// asked about, before the command runs.
pub(crate) async fn paydesk(ledger: Option<PathBuf>, mut settings: Settings, online: bool) -> Result<Paydesk, Error> {
    // The till's settings are shared with the app: its terminal label prefixes CLI sales too.
    let till = TillConfig::load(&TillConfig::default_path())?;
    settings.terminal_label = till.terminal_label;
    // And its callback relay, so CLI sales tell the gateways where to send callbacks too.
    settings.relay_url = till.relay_url;
    // So is the invoice lifetime the shop chose per gateway (checked when it was saved); a
    // `--lifetime` given to this command wins.
    for (gateway, minutes) in till.lifetime_minutes {
        settings.lifetimes.entry(gateway).or_insert(minutes.saturating_mul(60));
    }
    let ledger = Ledger::open(&ledger.unwrap_or_else(paydesk_till::config::default_ledger_path))?;
    let desk = Paydesk::new(ledger, credential_store(), settings);
    if online {
        desk.recover().await?;
    } else {
        desk.mark_interrupted()?;
    }
    Ok(desk)
}

/// Settings that call `id`'s gateway at `base_url`, when one is given.
pub(crate) fn settings_for_sale(
    ledger: &Option<PathBuf>,
    id: &str,
    base_url: Option<String>,
) -> Result<Settings, Error> {
    let mut settings = Settings::default();
    if let Some(url) = base_url {
        let gateway =
            Ledger::open(&ledger.clone().unwrap_or_else(paydesk_till::config::default_ledger_path))?.find(id)?.gateway;
        settings.base_urls.insert(gateway, url);
    }
    Ok(settings)
}
