//! The Tauri shell: window, state and IPC. Each command is one call into `paydesk_core::api::Till`;
//! errors cross IPC as `{code, message}`.

use paydesk_core::api::{
    AmountCheck, Bootstrap, ChargeRequest, ConnectionCheck, CredentialField, InvoiceView, SettingsInput, SettingsView,
    Till,
};
use paydesk_core::credentials::{CredentialStore, DEFAULT_SERVICE};
use paydesk_core::error::{Error, ErrorKind, ErrorReply};
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_opener::OpenerExt;

/// The event the UI listens to for every change of a followed invoice.
pub const INVOICE_UPDATED: &str = "invoice-updated";

/// How often an open invoice is asked about: quick enough that "paid" shows within a couple of
/// seconds, slow enough to stay far below any gateway's rate limit.
const POLL_EVERY: Duration = Duration::from_secs(2);

struct App {
    till: Arc<Till>,
    /// Order ids with a follower running, so opening an invoice twice does not poll it twice.
    following: Mutex<HashSet<String>>,
    /// Keeps the in-process simulator (the Demo gateway) alive as long as the app.
    _simulator: paydesk_gatewaysim::RunningSim,
}

type Reply<T> = Result<T, ErrorReply>;

/// Runs keyring and file work off the async workers (keyring calls block on D-Bus).
async fn blocking<T: Send + 'static>(
    app: &State<'_, App>,
    work: impl FnOnce(&Till) -> Result<T, Error> + Send + 'static,
) -> Reply<T> {
    let till = app.till.clone();
    tauri::async_runtime::spawn_blocking(move || work(&till))
        .await
        .map_err(|e| ErrorReply { code: "internal".into(), message: e.to_string() })?
        .map_err(|e| e.reply())
}

#[tauri::command]
async fn bootstrap(app: State<'_, App>) -> Reply<Bootstrap> {
    Ok(app.till.bootstrap())
}

#[tauri::command]
async fn check_amount(app: State<'_, App>, amount: String, currency: String) -> Reply<AmountCheck> {
    app.till.check_amount(&amount, &currency).map_err(|e| e.reply())
}

#[tauri::command]
async fn charge(handle: AppHandle, app: State<'_, App>, request: ChargeRequest) -> Reply<InvoiceView> {
    let invoice = app.till.charge(request).await.map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
async fn retry_invoice(handle: AppHandle, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    let invoice = app.till.retry(&key).await.map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
async fn follow_invoice(handle: AppHandle, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    let invoice = app.till.invoice(&key).map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
async fn invoice(app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    app.till.invoice(&key).map_err(|e| e.reply())
}

#[tauri::command]
async fn invoice_qr(app: State<'_, App>, key: String) -> Reply<String> {
    app.till.qr_svg(&key).map_err(|e| e.reply())
}

#[tauri::command]
async fn open_pay_link(handle: AppHandle, app: State<'_, App>, key: String) -> Reply<()> {
    let link = app.till.invoice(&key).map_err(|e| e.reply())?.pay_link;
    let link =
        link.ok_or_else(|| ErrorReply { code: "bad_input".into(), message: "this sale has no pay link".into() })?;
    handle
        .opener()
        .open_url(link, None::<&str>)
        .map_err(|e| ErrorReply { code: "open_failed".into(), message: e.to_string() })
}

#[tauri::command]
async fn history(app: State<'_, App>, search: String, limit: u32, offset: u32) -> Reply<Vec<InvoiceView>> {
    blocking(&app, move |till| till.history(&search, limit, offset)).await
}

#[tauri::command]
async fn export_csv(handle: AppHandle, app: State<'_, App>) -> Reply<String> {
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.export_csv(&dir)).await
}

#[tauri::command]
async fn credentials(app: State<'_, App>, gateway: String) -> Reply<Vec<CredentialField>> {
    blocking(&app, move |till| till.credentials(&gateway)).await
}

#[tauri::command]
async fn set_credential(
    app: State<'_, App>,
    gateway: String,
    field: String,
    value: String,
) -> Reply<Vec<CredentialField>> {
    blocking(&app, move |till| till.set_credential(&gateway, &field, value)).await
}

#[tauri::command]
async fn delete_credentials(app: State<'_, App>, gateway: String) -> Reply<Vec<CredentialField>> {
    blocking(&app, move |till| till.delete_credentials(&gateway)).await
}

#[tauri::command]
async fn save_settings(app: State<'_, App>, input: SettingsInput) -> Reply<SettingsView> {
    blocking(&app, move |till| till.save_settings(input)).await
}

#[tauri::command]
async fn test_connection(app: State<'_, App>, gateway: String) -> Reply<ConnectionCheck> {
    app.till.test_connection(&gateway).await.map_err(|e| e.reply())
}

/// The UI calls this once its keypad is interactive; `bench/startup` times cold start by it.
#[tauri::command]
async fn ui_ready() {
    record_ready();
}

/// Appends the wall-clock time in Unix milliseconds to `PAYDESK_READY_FILE`, if it is set. Only a
/// benchmark reads it, so a failure to write is not the cashier's problem and is ignored.
fn record_ready() {
    let Some(file) = std::env::var_os("PAYDESK_READY_FILE") else { return };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    let appended = std::fs::OpenOptions::new().create(true).append(true).open(file);
    let _ = appended.and_then(|mut f| writeln!(f, "{now}"));
}

/// Polls the invoice in the background until it is final, emitting each change to the UI.
fn follow(handle: &AppHandle, app: &App, order_id: &str) {
    if !app.following.lock().unwrap_or_else(|p| p.into_inner()).insert(order_id.to_string()) {
        return;
    }
    let (handle, till, order_id) = (handle.clone(), app.till.clone(), order_id.to_string());
    tauri::async_runtime::spawn(async move {
        let emit = |view: InvoiceView| {
            let _ = handle.emit(INVOICE_UPDATED, view);
        };
        // A network blip is retried on the next tick; any other failure (the gateway cannot be
        // asked, or refuses) would repeat forever, so following stops and the ledger keeps the sale.
        while let Err(e) = till.follow(&order_id, POLL_EVERY, emit).await {
            if e.kind() != ErrorKind::Network {
                break;
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        if let Some(app) = handle.try_state::<App>() {
            app.following.lock().unwrap_or_else(|p| p.into_inner()).remove(&order_id);
        }
    });
}

/// Where CSV exports go: `PAYDESK_EXPORT_DIR`, else Downloads, else Documents, else the data dir.
fn export_dir(handle: &AppHandle) -> PathBuf {
    if let Some(dir) = std::env::var_os("PAYDESK_EXPORT_DIR") {
        return PathBuf::from(dir);
    }
    let paths = handle.path();
    paths.download_dir().or_else(|_| paths.document_dir()).unwrap_or_else(|_| paydesk_core::ledger::data_dir())
}

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            // The Demo gateway: the simulator on a free loopback port, inside this process.
            let simulator = tauri::async_runtime::block_on(paydesk_gatewaysim::start(0))?;
            let service = std::env::var("PAYDESK_KEYRING_SERVICE").unwrap_or_else(|_| DEFAULT_SERVICE.into());
            let till = Till::open(
                &paydesk_core::ledger::data_dir(),
                CredentialStore::os_keyring(service),
                Some(simulator.base_url("demo")),
            )
            .map_err(|e| e.to_string())?;
            let till = Arc::new(till);
            // Sales a crash interrupted are asked about in the background; the window need not wait,
            // and whatever the check finds (or why it failed) is written on each sale.
            let recovering = till.clone();
            tauri::async_runtime::spawn(async move {
                let _ = recovering.recover().await;
            });
            app.manage(App { till, following: Mutex::default(), _simulator: simulator });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            bootstrap,
            check_amount,
            charge,
            retry_invoice,
            follow_invoice,
            invoice,
            invoice_qr,
            open_pay_link,
            history,
            export_csv,
            credentials,
            set_credential,
            delete_credentials,
            save_settings,
            test_connection,
            ui_ready,
        ])
        .run(tauri::generate_context!())
        .expect("the Paydesk window opens");
}
