//! The Tauri shell: setup, state, the followers of open sales and the events they emit. The IPC
//! commands, each one call into `paydesk_till::api::Till`, are in `commands`; errors cross IPC as
//! `{code, message}`.

mod commands;
mod shop_commands;
mod updates;

use paydesk_till::api::{InvoiceView, SaleStatus, Till};
use paydesk_till::credentials::{CredentialStore, DEFAULT_SERVICE};
use paydesk_till::error::ErrorReply;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// The event the cashier's window gets for every change of a followed invoice (an `InvoiceView`).
pub const INVOICE_UPDATED: &str = "invoice-updated";
/// The same change as the customer-facing window gets it: status only (a `SaleStatus`), since
/// descriptions, notes and links are for the cashier.
pub const SALE_STATUS: &str = "sale-status";
/// What the customer-facing window is to show (a `CustomerView`).
pub const CUSTOMER_DISPLAY: &str = "customer-display";
/// A print job changed (a `PrintJobView`): queued, printing, printed, or failed with the reason.
pub const PRINT_JOB: &str = "print-job";
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

/// Polls the invoice in the background until it is final, emitting each change to the UI.
fn follow(handle: &AppHandle, app: &App, order_id: &str) {
    if !app.following.lock().unwrap_or_else(|p| p.into_inner()).insert(order_id.to_string()) {
        return;
    }
    let (handle, till, order_id) = (handle.clone(), app.till.clone(), order_id.to_string());
    tauri::async_runtime::spawn(async move {
        let emit = |view: InvoiceView| {
            let _ = handle.emit_to(CUSTOMER_WINDOW, SALE_STATUS, SaleStatus::of(&view));
            let _ = handle.emit_to(MAIN_WINDOW, INVOICE_UPDATED, view);
        };
        let _ = till.follow(&order_id, POLL_EVERY, emit).await;
        if let Some(app) = handle.try_state::<App>() {
            app.following.lock().unwrap_or_else(|p| p.into_inner()).remove(&order_id);
        }
    });
}

/// WebKitGTK's switch for accelerated compositing (a value other than "0" turns it off).
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether to turn WebKit's accelerated compositing off: only when nobody chose (the variable is
/// unset; `WEBKIT_DISABLE_COMPOSITING_MODE=0` keeps it on) and there is no GPU render node. Without
/// a GPU, compositing runs on Mesa's software GL (llvmpipe), which costs the web process 60-120 MiB
/// more and grows over the first sales, for no gain: the till's UI has nothing to accelerate.
fn compositing_off(already_chosen: bool, gpu_render_node: bool) -> bool {
    !already_chosen && !gpu_render_node
}

/// Whether a DRM render node (`/dev/dri/renderD*`) is there, i.e. a GPU WebKit can draw with.
fn gpu_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// JavaScriptCore's switch for its JIT compilers, read from the environment by every WebKit
/// process this one starts.
const JSC_JIT: &str = "JSC_useJIT";

pub fn run() {
    // Before any thread starts (set_var is not thread-safe) and before WebKit reads it.
    if cfg!(target_os = "linux")
        && compositing_off(std::env::var_os(DISABLE_COMPOSITING).is_some(), gpu_render_node(Path::new("/dev/dri")))
    {
        std::env::set_var(DISABLE_COMPOSITING, "1");
    }
    // The till's page runs little script (a keypad, a few lists), which JavaScriptCore's
    // interpreter handles without notice; its JIT compilers cost the web process about 8 MiB idle
    // (bench/side-by-side) and are the part of WebKit that Safari's Lockdown Mode turns off too.
    // `JSC_useJIT=1` in the environment keeps them.
    if cfg!(target_os = "linux") && std::env::var_os(JSC_JIT).is_none() {
        std::env::set_var(JSC_JIT, "0");
    }
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        // Signature checks against tauri.conf.json's public key; the URL is the till's setting.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(updates::PendingUpdate::default())
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
            let printing = app.handle().clone();
            till.on_print_job(move |job| {
                let _ = printing.emit_to(MAIN_WINDOW, PRINT_JOB, job);
            });
            if let Some(window) = app.get_webview_window("main") {
                commands::apply_kiosk(&window, &till.bootstrap().settings);
            }
            // Sales a crash interrupted are asked about in the background; the window need not wait,
            // and whatever the check finds (or why it failed) is written on each sale.
            let recovering = till.clone();
            // The link to the shop database, if one is set, pushes and listens in the background (a
            // keyring read first, so off the async workers; the pool's threads are the runtime's,
            // where the link spawns its tasks). A failure says why in Settings; the log names only
            // its code, never the address.
            let linking = till.clone();
            tauri::async_runtime::spawn_blocking(move || {
                if let Err(e) = linking.start_shop_link() {
                    eprintln!("paydesk: the shop database link did not start ({})", e.code());
                }
            });
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
            commands::bootstrap,
            commands::check_amount,
            commands::charge,
            commands::retry_invoice,
            commands::follow_invoice,
            commands::abandon_invoice,
            commands::dismiss_late,
            commands::settle_invoice,
            commands::invoice,
            commands::invoice_qr,
            commands::open_pay_link,
            commands::history,
            commands::export_csv,
            commands::record_cash_sale,
            commands::record_refund,
            commands::shift_report,
            commands::export_report_csv,
            commands::credentials,
            commands::set_credential,
            commands::delete_credentials,
            commands::save_settings,
            commands::test_connection,
            commands::manager_status,
            commands::unlock,
            commands::lock,
            commands::set_manager_pin,
            commands::leave_kiosk,
            commands::ui_ready,
            commands::print_page,
            commands::receipt,
            commands::save_receipt_pdf,
            commands::toggle_customer_display,
            commands::show_on_customer_display,
            commands::customer_display,
            shop_commands::items,
            shop_commands::item_by_barcode,
            shop_commands::save_item,
            shop_commands::delete_item,
            shop_commands::import_catalog,
            shop_commands::export_catalog,
            shop_commands::tax_rates,
            shop_commands::save_tax_rate,
            shop_commands::delete_tax_rate,
            shop_commands::cashiers,
            shop_commands::add_cashier,
            shop_commands::update_cashier,
            shop_commands::sign_in,
            shop_commands::sign_out,
            shop_commands::seller,
            shop_commands::open_shift,
            shop_commands::close_shift,
            shop_commands::rates,
            shop_commands::fetch_rates,
            shop_commands::set_rate,
            shop_commands::cash_sale,
            shop_commands::quote,
            shop_commands::print_receipt,
            shop_commands::print_jobs,
            shop_commands::test_print,
            shop_commands::open_drawer,
            shop_commands::shop_link,
            shop_commands::set_shop_database,
            shop_commands::shop_history,
            shop_commands::shop_report,
            updates::check_update,
            updates::install_update,
            updates::restart_app,
        ])
        .run(tauri::generate_context!())
        .expect("the Paydesk window opens");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_18_compositing_goes_off_only_without_a_gpu_and_when_nobody_chose() {
        assert!(compositing_off(false, false), "no GPU, not chosen: off");
        assert!(!compositing_off(false, true), "a GPU: left on");
        assert!(!compositing_off(true, false), "chosen by the user (either way): left as chosen");
        assert!(!compositing_off(true, true));
    }

    #[test]
    fn issue_18_a_render_node_is_a_gpu_and_a_card_or_nothing_is_not() {
        let dir = std::env::temp_dir().join(format!("paydesk-app-test-{}-dri", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = gpu_render_node(&dir.join("missing"));
        std::fs::write(dir.join("card0"), "").unwrap();
        let card_only = gpu_render_node(&dir);
        std::fs::write(dir.join("renderD128"), "").unwrap();
        let render_node = gpu_render_node(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!missing, "no /dev/dri");
        assert!(!card_only, "a display card alone (no render node)");
        assert!(render_node);
    }

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
}
