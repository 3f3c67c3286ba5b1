//! Signed updates, through the Tauri updater plugin. The till decides whether to ask at all (an
//! update URL is set and no sale is open: `Till::update_gate`); the plugin fetches the manifest,
//! downloads the package and checks its minisign signature against the public key built into the
//! app (tauri.conf.json `plugins.updater.pubkey`) before anything is installed. The ledger lives
//! in the data dir, which no package touches.
//!
//! The webview holds no `updater:` permission: it can reach the plugin only through these commands.

use crate::commands::{blocking, cashier_only};
use crate::App;
use paydesk_till::api::{UpdateCheck, UpdateGate};
use paydesk_till::error::{ErrorCode, ErrorReply};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, State, Window};
use tauri_plugin_updater::{Update, UpdaterExt};

type Reply<T> = Result<T, ErrorReply>;

/// The manifest request and the package download each give up after this.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(300);

/// The update the last check found, which Install installs (and nothing else).
#[derive(Default)]
pub(crate) struct PendingUpdate(Mutex<Option<Update>>);

impl PendingUpdate {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Update>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Why an update failed, as `{code, message}`: a signature or package that fails the check is
/// `update_refused` (nothing was installed), an unreachable server or unusable manifest
/// `update_unavailable`, an install that did not go through `update_failed`.
fn reply(e: tauri_plugin_updater::Error) -> ErrorReply {
    use tauri_plugin_updater::Error as E;
    let (code, message) = match &e {
        E::Minisign(_) | E::Base64(_) | E::SignatureUtf8(_) | E::SignedVersionMismatch { .. } | E::MissingSignedVersion => (
            ErrorCode::UpdateRefused,
            format!("the update was refused and nothing was installed: its signature does not match this app's update key ({e})"),
        ),
        E::InvalidUpdaterFormat => (
            ErrorCode::UpdateRefused,
            format!("the update was refused and nothing was installed: the download is not a package for this till ({e})"),
        ),
        E::Reqwest(_)
        | E::Network(_)
        | E::ReleaseNotFound
        | E::Serialization(_)
        | E::TargetNotFound(_)
        | E::TargetsNotFound(_)
        | E::UrlParse(_)
        | E::Semver(_)
        | E::InsecureTransportProtocol
        | E::EmptyEndpoints => (ErrorCode::UpdateUnavailable, format!("no update could be fetched: {e}")),
        _ => (ErrorCode::UpdateFailed, format!("the update could not be installed: {e}")),
    };
    ErrorReply::new(code, message)
}

async fn gate(app: &State<'_, App>) -> Reply<UpdateGate> {
    blocking(app, |till| till.update_gate()).await
}

/// The gate, for installing or restarting: only with an update URL set and no sale open.
async fn may_update(app: &State<'_, App>) -> Reply<()> {
    match gate(app).await? {
        UpdateGate::Ask(_) => Ok(()),
        UpdateGate::Off => Err(ErrorReply::new(ErrorCode::UpdateUnavailable, "this till has no update URL set")),
        UpdateGate::SaleOpen(order_id) => Err(ErrorReply::new(
            ErrorCode::SaleOpen,
            format!("sale {order_id} is open: the update waits until it is finished or the next customer is served"),
        )),
    }
}

/// Asks the shop's update URL whether a newer version is offered: nothing is asked when no URL is
/// set (`off`) or a sale is open (`not_now`).
#[tauri::command]
pub(crate) async fn check_update(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    pending: State<'_, PendingUpdate>,
) -> Reply<UpdateCheck> {
    cashier_only(window.label())?;
    let url = match gate(&app).await? {
        UpdateGate::Off => return Ok(UpdateCheck::Off),
        UpdateGate::SaleOpen(_) => return Ok(UpdateCheck::NotNow),
        UpdateGate::Ask(url) => url,
    };
    let url = url.parse().map_err(|e| ErrorReply::new(ErrorCode::BadInput, format!("the update URL: {e}")))?;
    let updater = handle.updater_builder().endpoints(vec![url]).map_err(reply)?.timeout(UPDATE_TIMEOUT).build();
    let found = updater.map_err(reply)?.check().await.map_err(reply)?;
    let current_version = handle.package_info().version.to_string();
    let check = match &found {
        Some(update) => {
            UpdateCheck::Available { version: update.version.clone(), current_version, notes: update.body.clone() }
        }
        None => UpdateCheck::UpToDate { current_version },
    };
    *pending.slot() = found;
    Ok(check)
}

/// Downloads the update the last check found, checks its signature, and installs it (the package
/// manager replaces the app's files; the ledger and settings are left alone). Answers the version
/// installed; the running app carries on until it is restarted.
#[tauri::command]
pub(crate) async fn install_update(
    window: Window,
    app: State<'_, App>,
    pending: State<'_, PendingUpdate>,
) -> Reply<String> {
    cashier_only(window.label())?;
    may_update(&app).await?;
    let update = pending.slot().take();
    let update = update.ok_or_else(|| ErrorReply::new(ErrorCode::UpdateUnavailable, "check for an update first"))?;
    // `download` checks the signature; a sale may have started meanwhile, so the gate again.
    let bytes = update.download(|_, _| {}, || {}).await.map_err(reply)?;
    may_update(&app).await?;
    let version = update.version.clone();
    tauri::async_runtime::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|e| ErrorReply::new(ErrorCode::Internal, e.to_string()))?
        .map_err(reply)?;
    Ok(version)
}

/// Restarts the app on the version now installed (not while a sale is open).
#[tauri::command]
pub(crate) async fn restart_app(window: Window, handle: AppHandle, app: State<'_, App>) -> Reply<()> {
    cashier_only(window.label())?;
    may_update(&app).await?;
    handle.request_restart();
    Ok(())
}
