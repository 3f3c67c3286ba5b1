//! The Tauri shell: window, state and IPC. Each command is one call into `paydesk_till::api::Till`;
//! errors cross IPC as `{code, message}`.

use paydesk_till::api::{
    AmountCheck, Bootstrap, ChargeRequest, ConnectionCheck, CredentialField, CustomerView, InvoiceView, ManagerStatus,
    ReceiptView, SettingsInput, SettingsView, Till,
};
use paydesk_till::credentials::{CredentialStore, DEFAULT_SERVICE};
use paydesk_till::error::{Error, ErrorCode, ErrorReply};
use paydesk_till::report::ShiftReport;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tauri::{AppHandle, Emitter, Manager, State, Window};
use tauri_plugin_opener::OpenerExt;

/// The event the UI listens to for every change of a followed invoice.
pub const INVOICE_UPDATED: &str = "invoice-updated";
/// What the customer-facing window is to show (a `CustomerView`).
pub const CUSTOMER_DISPLAY: &str = "customer-display";
/// The customer-facing window closed, by the toggle or its own close button.
pub const CUSTOMER_DISPLAY_CLOSED: &str = "customer-display-closed";
/// The customer-facing window's label; the capabilities name it too.
const CUSTOMER_WINDOW: &str = "customer";
/// The cashier's window, as tauri.conf.json labels it.
const MAIN_WINDOW: &str = "main";

/// How often an open invoice is asked about: quick enough that "paid" shows within a couple of
/// seconds, slow enough to stay far below any gateway's rate limit.
const POLL_EVERY: Duration = Duration::from_secs(2);

struct App {
    till: Arc<Till>,
    /// Order ids with a follower running, so opening an invoice twice does not poll it twice.
    following: Mutex<HashSet<String>>,
    /// The sale on the customer-facing window (`None`: the welcome), so it can ask when it loads.
    customer_sale: Mutex<Option<String>>,
    /// Keeps the in-process simulator (the Demo gateway) alive as long as the app.
    _simulator: paydesk_gatewaysim::RunningSim,
}

type Reply<T> = Result<T, ErrorReply>;

/// Every command but `customer_display` answers the cashier's window alone, and begins with this
/// check. The capabilities are the first fence (the customer display's grants only
/// `customer_display`); this one still holds if a capability is ever widened, so a page in the
/// customer-facing window can neither charge, open links, read sales nor reach manager functions.
fn cashier_only(label: &str) -> Result<(), ErrorReply> {
    if label == MAIN_WINDOW {
        Ok(())
    } else {
        Err(ErrorReply::new(
            ErrorCode::Forbidden,
            format!("the window '{label}' may not do this: only the cashier's window may"),
        ))
    }
}

/// Runs keyring and file work off the async workers (keyring calls block on D-Bus).
async fn blocking<T: Send + 'static>(
    app: &State<'_, App>,
    work: impl FnOnce(&Till) -> Result<T, Error> + Send + 'static,
) -> Reply<T> {
    let till = app.till.clone();
    tauri::async_runtime::spawn_blocking(move || work(&till))
        .await
        .map_err(|e| ErrorReply::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| e.reply())
}

/// Why the till could not open (an unreadable settings file, a ledger from a newer Paydesk): the
/// window still opens and says so, instead of the app dying before it shows anything.
#[derive(Debug)]
struct NotOpened(ErrorReply);

/// The till on `data_dir`, or why it cannot open, as the window will say it (and stderr, for a
/// log). Nothing is replaced or dropped: a settings file that cannot be read is left as it is.
fn open_till(data_dir: &Path, credentials: CredentialStore, demo_base_url: Option<String>) -> Result<Till, NotOpened> {
    Till::open(data_dir, credentials, demo_base_url).map_err(|e| {
        eprintln!("paydesk: {e}");
        NotOpened(e.reply())
    })
}

#[tauri::command]
async fn bootstrap(window: Window, handle: AppHandle) -> Reply<Bootstrap> {
    cashier_only(window.label())?;
    match handle.try_state::<App>() {
        Some(app) => Ok(app.till.bootstrap()),
        None => Err(handle.state::<NotOpened>().0.clone()),
    }
}

#[tauri::command]
async fn check_amount(window: Window, app: State<'_, App>, amount: String, currency: String) -> Reply<AmountCheck> {
    cashier_only(window.label())?;
    app.till.check_amount(&amount, &currency).map_err(|e| e.reply())
}

#[tauri::command]
async fn charge(window: Window, handle: AppHandle, app: State<'_, App>, request: ChargeRequest) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    let invoice = app.till.charge(request).await.map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
async fn retry_invoice(window: Window, handle: AppHandle, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    let invoice = app.till.retry(&key).await.map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
async fn follow_invoice(window: Window, handle: AppHandle, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    let invoice = app.till.invoice(&key).map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

/// Back to the keypad for the next customer; the follower keeps watching the sale.
#[tauri::command]
async fn abandon_invoice(window: Window, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    app.till.abandon(&key).await.map_err(|e| e.reply())
}

/// The cashier saw a late payment's notice: it is not raised again.
#[tauri::command]
async fn dismiss_late(window: Window, app: State<'_, App>, key: String) -> Reply<()> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.dismiss_late(&key)).await
}

/// A manager marks a sale the gateway cannot settle as paid or not paid, with the reason.
#[tauri::command]
async fn settle_invoice(
    window: Window,
    app: State<'_, App>,
    key: String,
    paid: bool,
    reason: String,
) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.settle_by_hand(&key, paid, &reason)).await
}

#[tauri::command]
async fn invoice(window: Window, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.invoice(&key)).await
}

#[tauri::command]
async fn invoice_qr(window: Window, app: State<'_, App>, key: String) -> Reply<String> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.qr_svg(&key)).await
}

#[tauri::command]
async fn open_pay_link(window: Window, handle: AppHandle, app: State<'_, App>, key: String) -> Reply<()> {
    cashier_only(window.label())?;
    // Only the sale's own stored link, checked again as it is opened (https, or http to loopback).
    let link = blocking(&app, move |till| till.pay_link_to_open(&key)).await?;
    handle.opener().open_url(link, None::<&str>).map_err(|e| ErrorReply::new(ErrorCode::OpenFailed, e.to_string()))
}

#[tauri::command]
async fn history(
    window: Window,
    app: State<'_, App>,
    search: String,
    limit: u32,
    offset: u32,
) -> Reply<Vec<InvoiceView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.history(&search, limit, offset)).await
}

#[tauri::command]
async fn export_csv(window: Window, handle: AppHandle, app: State<'_, App>) -> Reply<String> {
    cashier_only(window.label())?;
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.export_csv(&dir)).await
}

#[tauri::command]
async fn record_cash_sale(
    window: Window,
    app: State<'_, App>,
    amount: String,
    currency: String,
    description: Option<String>,
) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.record_cash_sale(&amount, &currency, description)).await
}

#[tauri::command]
async fn record_refund(
    window: Window,
    app: State<'_, App>,
    amount: String,
    currency: String,
    reason: String,
    original: Option<String>,
) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.record_refund(&amount, &currency, &reason, original)).await
}

#[tauri::command]
async fn shift_report(window: Window, app: State<'_, App>, from: i64, to: i64) -> Reply<ShiftReport> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.shift_report(from, to)).await
}

#[tauri::command]
async fn export_report_csv(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    from: i64,
    to: i64,
) -> Reply<String> {
    cashier_only(window.label())?;
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.export_report_csv(from, to, &dir)).await
}

#[tauri::command]
async fn credentials(window: Window, app: State<'_, App>, gateway: String) -> Reply<Vec<CredentialField>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.credentials(&gateway)).await
}

#[tauri::command]
async fn set_credential(
    window: Window,
    app: State<'_, App>,
    gateway: String,
    field: String,
    value: String,
) -> Reply<Vec<CredentialField>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.set_credential(&gateway, &field, value)).await
}

#[tauri::command]
async fn delete_credentials(window: Window, app: State<'_, App>, gateway: String) -> Reply<Vec<CredentialField>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.delete_credentials(&gateway)).await
}

#[tauri::command]
async fn save_settings(window: tauri::WebviewWindow, app: State<'_, App>, input: SettingsInput) -> Reply<SettingsView> {
    cashier_only(window.label())?;
    let settings = blocking(&app, move |till| till.save_settings(input)).await?;
    apply_kiosk(&window, &settings);
    Ok(settings)
}

#[tauri::command]
async fn manager_status(window: Window, app: State<'_, App>) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    Ok(app.till.manager_status())
}

/// Off the async workers: checking a PIN is a deliberately slow hash.
#[tauri::command]
async fn unlock(window: Window, app: State<'_, App>, pin: String) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.unlock(pin)).await
}

#[tauri::command]
async fn lock(window: Window, app: State<'_, App>) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    Ok(app.till.lock())
}

#[tauri::command]
async fn set_manager_pin(
    window: Window,
    app: State<'_, App>,
    current: Option<String>,
    new: Option<String>,
) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.set_manager_pin(current, new)).await
}

#[tauri::command]
async fn leave_kiosk(window: tauri::WebviewWindow, app: State<'_, App>) -> Reply<SettingsView> {
    cashier_only(window.label())?;
    let settings = blocking(&app, |till| till.leave_kiosk()).await?;
    apply_kiosk(&window, &settings);
    Ok(settings)
}

/// Kiosk mode: full screen, and above other windows if the owner asked for that too. A window
/// manager that refuses either is no reason to fail a saved setting, so errors are ignored.
fn apply_kiosk(window: &tauri::WebviewWindow, settings: &SettingsView) {
    let _ = window.set_fullscreen(settings.saved.kiosk);
    let _ = window.set_always_on_top(settings.saved.kiosk && settings.saved.always_on_top);
}

#[tauri::command]
async fn test_connection(window: Window, app: State<'_, App>, gateway: String) -> Reply<ConnectionCheck> {
    cashier_only(window.label())?;
    app.till.test_connection(&gateway).await.map_err(|e| e.reply())
}

/// Opens the OS print dialog for what the window shows; the UI's print stylesheet leaves only the
/// receipt or report on the page.
#[tauri::command]
async fn print_page(window: tauri::WebviewWindow) -> Reply<()> {
    cashier_only(window.label())?;
    window.print().map_err(|e| ErrorReply::new(ErrorCode::PrintFailed, e.to_string()))
}

#[tauri::command]
async fn receipt(window: Window, app: State<'_, App>, key: String) -> Reply<ReceiptView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.receipt(&key)).await
}

/// Saves the receipt as a PDF where CSV exports go.
#[tauri::command]
async fn save_receipt_pdf(window: Window, handle: AppHandle, app: State<'_, App>, key: String) -> Reply<String> {
    cashier_only(window.label())?;
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.save_receipt_pdf(&key, &dir)).await
}

/// Opens the customer-facing window (a normal window the cashier can drag to a second monitor),
/// or closes it; answers whether it is open now.
#[tauri::command]
async fn toggle_customer_display(window: Window, handle: AppHandle) -> Reply<bool> {
    cashier_only(window.label())?;
    let window_error = |e: tauri::Error| ErrorReply::new(ErrorCode::WindowFailed, e.to_string());
    if let Some(window) = handle.get_webview_window(CUSTOMER_WINDOW) {
        window.destroy().map_err(window_error)?;
        return Ok(false);
    }
    let url = tauri::WebviewUrl::App("index.html#customer".into());
    let window = tauri::WebviewWindowBuilder::new(&handle, CUSTOMER_WINDOW, url)
        .title("Paydesk — customer")
        .inner_size(800.0, 600.0)
        .build()
        .map_err(window_error)?;
    window.on_window_event(move |event| {
        if let tauri::WindowEvent::Destroyed = event {
            let _ = handle.emit(CUSTOMER_DISPLAY_CLOSED, ());
        }
    });
    Ok(true)
}

/// Puts the sale `key` on the customer-facing window, or the welcome for `None`.
#[tauri::command]
async fn show_on_customer_display(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    key: Option<String>,
) -> Reply<()> {
    cashier_only(window.label())?;
    let shown = key.clone();
    let view = blocking(&app, move |till| till.customer_view(shown.as_deref())).await?;
    *app.customer_sale.lock().unwrap_or_else(|p| p.into_inner()) = key;
    handle.emit(CUSTOMER_DISPLAY, view).map_err(|e| ErrorReply::new(ErrorCode::Internal, e.to_string()))
}

/// What the customer-facing window shows now; it asks when it loads, then follows the events.
#[tauri::command]
async fn customer_display(app: State<'_, App>) -> Reply<CustomerView> {
    let key = app.customer_sale.lock().unwrap_or_else(|p| p.into_inner()).clone();
    blocking(&app, move |till| till.customer_view(key.as_deref())).await
}

/// The UI calls this once its keypad is interactive; `bench/startup` times cold start by it.
#[tauri::command]
async fn ui_ready(window: Window) -> Reply<()> {
    cashier_only(window.label())?;
    record_ready();
    Ok(())
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
        let _ = till.follow(&order_id, POLL_EVERY, emit).await;
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
    paths.download_dir().or_else(|_| paths.document_dir()).unwrap_or_else(|_| paydesk_till::config::data_dir())
}

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            // The Demo gateway: the simulator on a free loopback port, inside this process.
            let simulator = tauri::async_runtime::block_on(paydesk_gatewaysim::start_demo(0))?;
            let service = std::env::var("PAYDESK_KEYRING_SERVICE").unwrap_or_else(|_| DEFAULT_SERVICE.into());
            let opened = open_till(
                &paydesk_till::config::data_dir(),
                CredentialStore::os_keyring(service),
                Some(simulator.base_url("demo")),
            );
            let till = match opened {
                Ok(till) => till,
                Err(not_opened) => {
                    app.manage(not_opened);
                    return Ok(());
                }
            };
            let till = Arc::new(till);
            if let Some(window) = app.get_webview_window("main") {
                apply_kiosk(&window, &till.bootstrap().settings);
            }
            // Sales a crash interrupted are asked about in the background; the window need not wait,
            // and whatever the check finds (or why it failed) is written on each sale.
            let recovering = till.clone();
            app.manage(App {
                till,
                following: Mutex::default(),
                customer_sale: Mutex::default(),
                _simulator: simulator,
            });
            // Then the sales left open (abandoned ones included, and those recovery just found) are
            // watched again, so a payment that arrives after a restart is still seen and reported.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let _ = recovering.recover().await;
                let state = handle.state::<App>();
                for order_id in recovering.open_sales().unwrap_or_default() {
                    follow(&handle, &state, &order_id);
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            bootstrap,
            check_amount,
            charge,
            retry_invoice,
            follow_invoice,
            abandon_invoice,
            dismiss_late,
            settle_invoice,
            invoice,
            invoice_qr,
            open_pay_link,
            history,
            export_csv,
            record_cash_sale,
            record_refund,
            shift_report,
            export_report_csv,
            credentials,
            set_credential,
            delete_credentials,
            save_settings,
            test_connection,
            manager_status,
            unlock,
            lock,
            set_manager_pin,
            leave_kiosk,
            ui_ready,
            print_page,
            receipt,
            save_receipt_pdf,
            toggle_customer_display,
            show_on_customer_display,
            customer_display,
        ])
        .run(tauri::generate_context!())
        .expect("the Paydesk window opens");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardening_15_a_torn_settings_file_opens_the_window_with_the_reason_not_a_panic() {
        // (The app crate has no tempfile; a folder of its own under the OS temp dir does.)
        let dir = std::env::temp_dir().join(format!("paydesk-app-test-{}-torn", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let settings = dir.join("settings.json");
        let torn = br#"{"default_gateway": "demo", "manager_pin_hash": "$argon2id$v=19$m=19"#;
        std::fs::write(&settings, torn).unwrap();
        let opened = open_till(&dir, CredentialStore::in_memory(), None).map(|_| ());
        let kept = std::fs::read(&settings).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let NotOpened(reply) = opened.unwrap_err();
        assert_eq!(reply.code, "settings_unreadable");
        assert!(reply.message.contains(&settings.display().to_string()), "{}", reply.message);
        assert!(reply.message.contains("restore it from a backup, or move it aside"), "{}", reply.message);
        assert_eq!(kept, torn, "the file is kept as it was");
    }

    #[test]
    fn hardening_09_only_the_cashiers_window_passes_the_window_check() {
        assert_eq!(cashier_only("main"), Ok(()));
        for label in [CUSTOMER_WINDOW, "", "Main", "main ", "customer-2"] {
            let refused = cashier_only(label).unwrap_err();
            assert_eq!(refused.code, "forbidden", "{label:?}");
            assert!(refused.message.contains("only the cashier's window"), "{}", refused.message);
        }
    }
}
