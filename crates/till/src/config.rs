//! What a till remembers between runs, besides credentials (keyring) and sales (ledger):
//! default and last-used gateway, default currency, base URL overrides, decimal style.

use paydesk_gateways::http::check_base_url;
use paydesk_money::tax::Rounding;
use paydesk_money::{Currency, DecimalStyle};
use paydesk_printer::{PaperWidth, PrinterUri, QrMode, MAX_COPIES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TillConfig {
    pub default_gateway: String,
    pub default_currency: String,
    /// The gateway the cashier picked last; the charge screen starts on it.
    pub last_gateway: Option<String>,
    /// Per gateway id; an empty map calls every gateway at its production host.
    pub base_urls: BTreeMap<String, String>,
    pub decimal_style: DecimalStyle,
    /// This till's name, prefixing its order ids (1 to 12 letters or digits).
    pub terminal_label: Option<String>,
    /// Printed at the top of receipts and reports.
    pub shop_name: Option<String>,
    /// The shop's callback relay (`paydesk relay`) at its public address: gateways that take a
    /// callback URL per sale get `<relay_url>/callback/<gateway id>`. `None`: no relay.
    pub relay_url: Option<String>,
    /// UI language: one of [`LANGUAGES`].
    pub language: String,
    /// Paid / failed sounds; off by default (a quiet shop may not want them).
    pub sounds: bool,
    /// Tip presets in whole percent offered before Charge; empty turns tips off (the default).
    pub tip_percents: Vec<u8>,
    /// Full screen, for a till that is only a till. Leaving it needs the manager PIN if one is set.
    pub kiosk: bool,
    /// Keeps the window above others (only while in kiosk mode).
    pub always_on_top: bool,
    /// Locks manager functions again after this many idle minutes; 0 never.
    pub idle_lock_minutes: u32,
    /// Invoice lifetime in minutes per gateway id; a gateway not listed gets Paydesk's default.
    pub lifetime_minutes: BTreeMap<String, u32>,
    /// The manager PIN as a salted slow hash (PHC string); `None`: no PIN, everything is open.
    pub manager_pin_hash: Option<String>,
    /// How a sale's tax is rounded (see the money crate's README for a worked example).
    pub tax_rounding: Rounding,
    /// An exchange rate older than this many hours is refused. The ECB publishes on working
    /// days around 16:00 CET, so 96 h carries a Friday's rates over a long weekend.
    pub max_rate_age_hours: u32,
    /// Where reference rates are fetched from; `None`: the ECB's daily file.
    pub rates_url: Option<String>,
    /// The receipt printer ("tcp://192.168.1.50:9100", "/dev/usb/lp0", "lp://QUEUE"); `None`:
    /// receipts go through the OS print dialog or to PDF.
    pub printer: Option<String>,
    pub paper_width: PaperWidth,
    /// `raster` for printers without the QR command: the code is sent as an image.
    pub printer_qr: QrMode,
    /// Print the receipt when a sale is paid, and a cash sale's at once (off by default).
    pub auto_print: bool,
    pub copies: u8,
    /// Open the cash drawer (wired to the printer) on a cash sale.
    pub drawer_on_cash: bool,
    /// Where this till asks for updates: the URL of a `latest.json` manifest (https, or http to
    /// this machine). `None`: never asked, so a shop that sets nothing is never contacted.
    /// `PAYDESK_UPDATE_URL` takes precedence. Set in settings.json (or the environment), not in the
    /// window: where a till gets its software from is the shop's IT's choice.
    pub update_url: Option<String>,
}

/// The UI languages there is a catalog for.
pub const LANGUAGES: &[&str] = &["en", "es"];
/// Longest shop name, so a receipt line never wraps mid-word off the paper.
pub const MAX_SHOP_NAME_CHARS: usize = 40;
pub const MAX_TIP_PRESETS: usize = 4;

impl Default for TillConfig {
    fn default() -> Self {
        TillConfig {
            default_gateway: "demo".into(),
            default_currency: Currency::USD.code().into(),
            last_gateway: None,
            base_urls: BTreeMap::new(),
            decimal_style: DecimalStyle::Point,
            terminal_label: None,
            shop_name: None,
            relay_url: None,
            language: "en".into(),
            sounds: false,
            tip_percents: Vec::new(),
            kiosk: false,
            always_on_top: false,
            idle_lock_minutes: 0,
            lifetime_minutes: BTreeMap::new(),
            manager_pin_hash: None,
            tax_rounding: Rounding::default(),
            max_rate_age_hours: 96,
            rates_url: None,
            printer: None,
            paper_width: PaperWidth::default(),
            printer_qr: QrMode::default(),
            auto_print: false,
            copies: 1,
            drawer_on_cash: true,
            update_url: None,
        }
    }
}

/// Replaces `path` with `bytes`, durably and readable by this user only (it holds the manager
/// PIN's hash). The new bytes reach the disk, then the rename, then the directory entry: a power
/// cut leaves the old file or the new one, never a torn one.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A name of its own per write (process and a counter), created fresh: two writers (the app
    // and a second one, or two threads) never write into, or rename, each other's half-written
    // file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let written = write_new_private(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_dir(path)
}

/// Creates `tmp` (never an existing file), readable by this user only, and puts `bytes` on the disk.
fn write_new_private(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(tmp)?;
    // The mode given at creation is narrowed by the umask, never widened; set it exactly.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.sync_all()
}

/// Makes a rename in `path`'s directory durable (POSIX: fsync the directory itself).
#[cfg(unix)]
fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

/// Windows has no directory handle to sync; its rename is already journaled by NTFS.
#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
    #[error("the settings file {path} could not be {action}: {reason}")]
    Io { path: PathBuf, action: &'static str, reason: String },
    /// Torn or hand-edited. It may hold the manager PIN, so Paydesk does not start on defaults
    /// (that would drop the guard) and says what to do instead.
    #[error("the settings file {path} cannot be read ({reason}): restore it from a backup, or move it aside to start with the default settings and no manager PIN")]
    Unreadable { path: PathBuf, reason: String },
}

/// The ledger's usual place: `PAYDESK_DATA_DIR`, else the OS data dir.
pub fn default_ledger_path() -> PathBuf {
    data_dir().join("ledger.sqlite3")
}

/// Where Paydesk keeps its files: `PAYDESK_DATA_DIR`, else the OS data dir for the app.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PAYDESK_DATA_DIR") {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "paydesk", "Paydesk")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".paydesk"))
}

impl TillConfig {
    pub fn default_path() -> PathBuf {
        data_dir().join("settings.json")
    }

    /// The saved settings, or the defaults when there is no file yet.
    pub fn load(path: &Path) -> Result<TillConfig, ConfigError> {
        let io = |action, e: std::io::Error| ConfigError::Io { path: path.into(), action, reason: e.to_string() };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ConfigError::Unreadable { path: path.into(), reason: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TillConfig::default()),
            Err(e) => Err(io("read", e)),
        }
    }

    /// Checks every value against the known gateways, then writes atomically (a crash mid-write
    /// leaves the old file, never half of one).
    pub fn save(&self, path: &Path, gateway_ids: &[&str]) -> Result<(), ConfigError> {
        self.validate(gateway_ids)?;
        let io = |action, e: std::io::Error| ConfigError::Io { path: path.into(), action, reason: e.to_string() };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("written", e))?;
        }
        let bytes = serde_json::to_vec_pretty(self).expect("plain data serializes");
        write_private(path, &bytes).map_err(|e| io("written", e))
    }

    pub fn validate(&self, gateway_ids: &[&str]) -> Result<(), ConfigError> {
        let known = |id: &str| gateway_ids.contains(&id);
        if !known(&self.default_gateway) {
            return Err(ConfigError::Invalid(format!("unknown default gateway '{}'", self.default_gateway)));
        }
        if let Some(last) = &self.last_gateway {
            if !known(last) {
                return Err(ConfigError::Invalid(format!("unknown gateway '{last}'")));
            }
        }
        self.default_currency.parse::<Currency>().map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(label) = &self.terminal_label {
            // It becomes part of every order id, which travels in URLs and signed strings.
            if label.is_empty() || label.len() > 12 || !label.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(ConfigError::Invalid("the terminal label must be 1 to 12 letters or digits".into()));
            }
        }
        if let Some(name) = &self.shop_name {
            if name.trim().is_empty()
                || name.chars().count() > MAX_SHOP_NAME_CHARS
                || name.chars().any(char::is_control)
            {
                return Err(ConfigError::Invalid(format!(
                    "the shop name must be 1 to {MAX_SHOP_NAME_CHARS} characters on one line"
                )));
            }
        }
        if let Some(url) = &self.relay_url {
            // Gateways post payment results there: https, as for base URLs (http only to this machine).
            check_base_url(url).map_err(|e| ConfigError::Invalid(format!("callback relay URL: {e}")))?;
        }
        if !LANGUAGES.contains(&self.language.as_str()) {
            return Err(ConfigError::Invalid(format!(
                "unknown language '{}' (known: {})",
                self.language,
                LANGUAGES.join(", ")
            )));
        }
        if self.tip_percents.len() > MAX_TIP_PRESETS || self.tip_percents.iter().any(|&p| p == 0 || p > 100) {
            return Err(ConfigError::Invalid(format!(
                "tip presets must be at most {MAX_TIP_PRESETS} percentages from 1 to 100"
            )));
        }
        if self.idle_lock_minutes > 24 * 60 {
            return Err(ConfigError::Invalid("the idle lock must be at most 1440 minutes (0 turns it off)".into()));
        }
        if self.max_rate_age_hours == 0 || self.max_rate_age_hours > 24 * 31 {
            return Err(ConfigError::Invalid("the oldest exchange rate allowed must be 1 to 744 hours".into()));
        }
        if let Some(url) = &self.rates_url {
            paydesk_gateways::http::pay_link_url(url).map_err(|_| {
                ConfigError::Invalid("the rates source must be an https URL (or http to this machine)".into())
            })?;
        }
        if let Some(url) = &self.update_url {
            check_update_url(url).map_err(ConfigError::Invalid)?;
        }
        if let Some(printer) = &self.printer {
            printer.parse::<PrinterUri>().map_err(|e| ConfigError::Invalid(format!("printer: {e}")))?;
        }
        if !(1..=MAX_COPIES).contains(&self.copies) {
            return Err(ConfigError::Invalid(format!("copies must be 1 to {MAX_COPIES}")));
        }
        for (id, url) in &self.base_urls {
            if !known(id) {
                return Err(ConfigError::Invalid(format!("a base URL is set for unknown gateway '{id}'")));
            }
            check_base_url(url).map_err(|e| ConfigError::Invalid(format!("{id} base URL: {e}")))?;
        }
        Ok(())
    }
}

/// An update manifest's URL: https, or http to this machine (a test server, a local mirror).
pub fn check_update_url(url: &str) -> Result<(), String> {
    paydesk_gateways::http::pay_link_url(url)
        .map(|_| ())
        .map_err(|_| format!("the update URL must be an https URL (or http to this machine), not '{url}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: &[&str] = &["demo", "dex3"];

    #[test]
    fn missing_file_gives_defaults_and_saved_settings_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        assert_eq!(TillConfig::load(&path).unwrap(), TillConfig::default());
        let mut config = TillConfig { default_gateway: "dex3".into(), ..TillConfig::default() };
        config.base_urls.insert("dex3".into(), "http://127.0.0.1:9/dex3/".into());
        config.relay_url = Some("https://relay.example.com/".into());
        config.save(&path, IDS).unwrap();
        assert_eq!(TillConfig::load(&path).unwrap(), config);
    }

    #[test]
    fn hardening_15_writers_at_once_never_leave_a_torn_or_failed_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        // Lengths differ, so one write landing inside another's file would show.
        let payload = |writer: usize, round: usize| {
            let config =
                TillConfig { shop_name: Some("x".repeat(1 + (writer * 7 + round) % 39)), ..TillConfig::default() };
            serde_json::to_vec_pretty(&config).unwrap()
        };
        write_private(&path, &payload(0, 0)).unwrap();
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let bytes = std::fs::read(&path).unwrap();
                    let read: Result<TillConfig, _> = serde_json::from_slice(&bytes);
                    assert!(read.is_ok(), "a reader saw a torn file: {}", String::from_utf8_lossy(&bytes));
                }
            });
            let writers: Vec<_> = (0..4)
                .map(|writer| {
                    let path = &path;
                    scope.spawn(move || (0..100).try_for_each(|round| write_private(path, &payload(writer, round))))
                })
                .collect();
            let written: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            reader.join().unwrap();
            for outcome in written {
                outcome.expect("every write succeeds");
            }
        });
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["settings.json"], "only the settings file is left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn bad_settings_are_refused_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        TillConfig::default().save(&path, IDS).unwrap();
        let before = std::fs::read(&path).unwrap();
        let mut bad = TillConfig::default();
        bad.base_urls.insert("dex3".into(), "http://api.dex3.io/".into());
        assert!(bad.save(&path, IDS).unwrap_err().to_string().contains("plain http"));
        let bad = TillConfig { default_gateway: "nope".into(), ..TillConfig::default() };
        assert!(bad.save(&path, IDS).is_err());
        let bad = TillConfig { default_currency: "XYZ".into(), ..TillConfig::default() };
        assert!(bad.save(&path, IDS).is_err());
        for label in ["", "TILL 2", "TILL-2", "ABCDEFGHIJKLM", "KASSE\u{e4}"] {
            let bad = TillConfig { terminal_label: Some(label.into()), ..TillConfig::default() };
            assert!(bad.save(&path, IDS).is_err(), "{label:?}");
        }
        for bad in [
            TillConfig { shop_name: Some(" ".into()), ..TillConfig::default() },
            TillConfig { shop_name: Some("a\nb".into()), ..TillConfig::default() },
            TillConfig { shop_name: Some("x".repeat(MAX_SHOP_NAME_CHARS + 1)), ..TillConfig::default() },
            TillConfig { language: "xx".into(), ..TillConfig::default() },
            TillConfig { relay_url: Some("http://relay.example.com".into()), ..TillConfig::default() },
            TillConfig { relay_url: Some("relay.example.com".into()), ..TillConfig::default() },
            TillConfig { relay_url: Some("https://relay.example.com/?x=1".into()), ..TillConfig::default() },
            TillConfig { tip_percents: vec![0], ..TillConfig::default() },
            TillConfig { tip_percents: vec![101], ..TillConfig::default() },
            TillConfig { tip_percents: vec![5, 10, 15, 20, 25], ..TillConfig::default() },
            TillConfig { idle_lock_minutes: 24 * 60 + 1, ..TillConfig::default() },
        ] {
            assert!(bad.save(&path, IDS).is_err(), "{bad:?}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
