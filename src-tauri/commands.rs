//! The IPC commands: each checks the calling window, then makes one call into `Till`.

use crate::{follow, App, NotOpened, CUSTOMER_DISPLAY, CUSTOMER_DISPLAY_CLOSED, CUSTOMER_WINDOW, MAIN_WINDOW};
use paydesk_till::api::{
    AmountCheck, Bootstrap, ChargeRequest, ConnectionCheck, CredentialField, CustomerView, InvoiceView, ManagerStatus,
    ReceiptView, SettingsInput, SettingsView, Till,
};
use paydesk_till::error::{Error, ErrorCode, ErrorReply};
use paydesk_till::report::ShiftReport;
use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};
use tauri::{AppHandle, Emitter, Manager, State, Window};
use tauri_plugin_opener::OpenerExt;

type Reply<T> = Result<T, ErrorReply>;

/// Every command but `customer_display` answers the cashier's window alone, and begins with this
/// check. The capabilities are the first fence (the customer display's grants only
/// `customer_display`); this one still holds if a capability is ever widened, so a page in the
/// customer-facing window can neither charge, open links, read sales nor reach manager functions.
pub(crate) fn cashier_only(label: &str) -> Result<(), ErrorReply> {
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
pub(crate) async fn blocking<T: Send + 'static>(
    app: &State<'_, App>,
    work: impl FnOnce(&Till) -> Result<T, Error> + Send + 'static,
) -> Reply<T> {
    let till = app.till.clone();
    tauri::async_runtime::spawn_blocking(move || work(&till))
        .await
        .map_err(|e| ErrorReply::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| e.reply())
}

#[tauri::command]
pub(crate) async fn bootstrap(window: Window, handle: AppHandle) -> Reply<Bootstrap> {
    cashier_only(window.label())?;
    match handle.try_state::<App>() {
        Some(app) => Ok(app.till.bootstrap()),
        None => Err(handle.state::<NotOpened>().0.clone()),
    }
}

#[tauri::command]
pub(crate) async fn check_amount(
    window: Window,
    app: State<'_, App>,
    amount: String,
    currency: String,
) -> Reply<AmountCheck> {
    cashier_only(window.label())?;
    app.till.check_amount(&amount, &currency).map_err(|e| e.reply())
}

#[tauri::command]
pub(crate) async fn charge(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    request: ChargeRequest,
) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    let invoice = app.till.charge(request).await.map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
pub(crate) async fn retry_invoice(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    key: String,
) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    let invoice = app.till.retry(&key).await.map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

#[tauri::command]
pub(crate) async fn follow_invoice(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    key: String,
) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    let invoice = app.till.invoice(&key).map_err(|e| e.reply())?;
    follow(&handle, &app, &invoice.order_id);
    Ok(invoice)
}

/// Back to the keypad for the next customer; the follower keeps watching the sale.
#[tauri::command]
pub(crate) async fn abandon_invoice(window: Window, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    app.till.abandon(&key).await.map_err(|e| e.reply())
}

/// The cashier saw a late payment's notice: it is not raised again.
#[tauri::command]
pub(crate) async fn dismiss_late(window: Window, app: State<'_, App>, key: String) -> Reply<()> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.dismiss_late(&key)).await
}

/// A manager marks a sale the gateway cannot settle as paid or not paid, with the reason.
#[tauri::command]
pub(crate) async fn settle_invoice(
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
pub(crate) async fn invoice(window: Window, app: State<'_, App>, key: String) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.invoice(&key)).await
}

#[tauri::command]
pub(crate) async fn invoice_qr(window: Window, app: State<'_, App>, key: String) -> Reply<String> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.qr_svg(&key)).await
}

#[tauri::command]
pub(crate) async fn open_pay_link(window: Window, handle: AppHandle, app: State<'_, App>, key: String) -> Reply<()> {
    cashier_only(window.label())?;
    // Only the sale's own stored link, checked again as it is opened (https, or http to loopback).
    let link = blocking(&app, move |till| till.pay_link_to_open(&key)).await?;
    handle.opener().open_url(link, None::<&str>).map_err(|e| ErrorReply::new(ErrorCode::OpenFailed, e.to_string()))
}

#[tauri::command]
pub(crate) async fn history(
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
pub(crate) async fn export_csv(window: Window, handle: AppHandle, app: State<'_, App>) -> Reply<String> {
    cashier_only(window.label())?;
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.export_csv(&dir)).await
}

#[tauri::command]
pub(crate) async fn record_cash_sale(
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
pub(crate) async fn record_refund(
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
pub(crate) async fn shift_report(window: Window, app: State<'_, App>, from: i64, to: i64) -> Reply<ShiftReport> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.shift_report(from, to)).await
}

#[tauri::command]
pub(crate) async fn export_report_csv(
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
pub(crate) async fn credentials(window: Window, app: State<'_, App>, gateway: String) -> Reply<Vec<CredentialField>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.credentials(&gateway)).await
}

#[tauri::command]
pub(crate) async fn set_credential(
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
pub(crate) async fn delete_credentials(
    window: Window,
    app: State<'_, App>,
    gateway: String,
) -> Reply<Vec<CredentialField>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.delete_credentials(&gateway)).await
}

#[tauri::command]
pub(crate) async fn save_settings(
    window: tauri::WebviewWindow,
    app: State<'_, App>,
    input: SettingsInput,
) -> Reply<SettingsView> {
    cashier_only(window.label())?;
    let settings = blocking(&app, move |till| till.save_settings(input)).await?;
    apply_kiosk(&window, &settings);
    Ok(settings)
}

#[tauri::command]
pub(crate) async fn manager_status(window: Window, app: State<'_, App>) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    Ok(app.till.manager_status())
}

/// Off the async workers: checking a PIN is a deliberately slow hash.
#[tauri::command]
pub(crate) async fn unlock(window: Window, app: State<'_, App>, pin: String) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.unlock(pin)).await
}

#[tauri::command]
pub(crate) async fn lock(window: Window, app: State<'_, App>) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    Ok(app.till.lock())
}

#[tauri::command]
pub(crate) async fn set_manager_pin(
    window: Window,
    app: State<'_, App>,
    current: Option<String>,
    new: Option<String>,
) -> Reply<ManagerStatus> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.set_manager_pin(current, new)).await
}

#[tauri::command]
pub(crate) async fn leave_kiosk(window: tauri::WebviewWindow, app: State<'_, App>) -> Reply<SettingsView> {
    cashier_only(window.label())?;
    let settings = blocking(&app, |till| till.leave_kiosk()).await?;
    apply_kiosk(&window, &settings);
    Ok(settings)
}

/// Kiosk mode: full screen, and above other windows if the owner asked for that too. A window
/// manager that refuses either is no reason to fail a saved setting, so errors are ignored.
pub(crate) fn apply_kiosk(window: &tauri::WebviewWindow, settings: &SettingsView) {
    let _ = window.set_fullscreen(settings.saved.kiosk);
    let _ = window.set_always_on_top(settings.saved.kiosk && settings.saved.always_on_top);
}

#[tauri::command]
pub(crate) async fn test_connection(window: Window, app: State<'_, App>, gateway: String) -> Reply<ConnectionCheck> {
    cashier_only(window.label())?;
    app.till.test_connection(&gateway).await.map_err(|e| e.reply())
}

/// Opens the OS print dialog for what the window shows; the UI's print stylesheet leaves only the
/// receipt or report on the page.
#[tauri::command]
pub(crate) async fn print_page(window: tauri::WebviewWindow) -> Reply<()> {
    cashier_only(window.label())?;
    window.print().map_err(|e| ErrorReply::new(ErrorCode::PrintFailed, e.to_string()))
}

#[tauri::command]
pub(crate) async fn receipt(window: Window, app: State<'_, App>, key: String) -> Reply<ReceiptView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.receipt(&key)).await
}

/// Saves the receipt as a PDF where CSV exports go.
#[tauri::command]
pub(crate) async fn save_receipt_pdf(
    window: Window,
    handle: AppHandle,
    app: State<'_, App>,
    key: String,
) -> Reply<String> {
    cashier_only(window.label())?;
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.save_receipt_pdf(&key, &dir)).await
}

/// Opens the customer-facing window (a normal window the cashier can drag to a second monitor),
/// or closes it; answers whether it is open now.
#[tauri::command]
pub(crate) async fn toggle_customer_display(window: Window, handle: AppHandle) -> Reply<bool> {
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
pub(crate) async fn show_on_customer_display(
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
pub(crate) async fn customer_display(app: State<'_, App>) -> Reply<CustomerView> {
    let key = app.customer_sale.lock().unwrap_or_else(|p| p.into_inner()).clone();
    blocking(&app, move |till| till.customer_view(key.as_deref())).await
}

/// The UI calls this once its keypad is interactive; `bench/startup` times cold start by it.
#[tauri::command]
pub(crate) async fn ui_ready(window: Window) -> Reply<()> {
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

/// Where CSV exports go: `PAYDESK_EXPORT_DIR`, else Downloads, else Documents, else the data dir.
pub(crate) fn export_dir(handle: &AppHandle) -> PathBuf {
    if let Some(dir) = std::env::var_os("PAYDESK_EXPORT_DIR") {
        return PathBuf::from(dir);
    }
    let paths = handle.path();
    paths.download_dir().or_else(|_| paths.document_dir()).unwrap_or_else(|_| paydesk_till::config::data_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

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
