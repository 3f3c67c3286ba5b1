//! Builds the Tauri context. The app's commands are listed so that Tauri makes a permission for
//! each (`allow-<command>`): a window may then call only the commands its capability in
//! src-tauri/capabilities/ grants it (the customer display, one). tests/app_config.rs checks this
//! list against the handler list in lib.rs and the capabilities against both.

const COMMANDS: &[&str] = &[
    "bootstrap",
    "check_amount",
    "charge",
    "retry_invoice",
    "follow_invoice",
    "abandon_invoice",
    "dismiss_late",
    "settle_invoice",
    "invoice",
    "invoice_qr",
    "open_pay_link",
    "history",
    "export_csv",
    "record_cash_sale",
    "record_refund",
    "shift_report",
    "export_report_csv",
    "credentials",
    "set_credential",
    "delete_credentials",
    "save_settings",
    "test_connection",
    "manager_status",
    "unlock",
    "lock",
    "set_manager_pin",
    "leave_kiosk",
    "ui_ready",
    "print_page",
    "receipt",
    "save_receipt_pdf",
    "toggle_customer_display",
    "show_on_customer_display",
    "customer_display",
    "items",
    "item_by_barcode",
    "save_item",
    "delete_item",
    "import_catalog",
    "export_catalog",
    "tax_rates",
    "save_tax_rate",
    "delete_tax_rate",
    "cashiers",
    "add_cashier",
    "update_cashier",
    "sign_in",
    "sign_out",
    "seller",
    "open_shift",
    "close_shift",
    "rates",
    "fetch_rates",
    "set_rate",
    "cash_sale",
    "quote",
    "print_receipt",
    "print_jobs",
    "test_print",
    "open_drawer",
    "shop_link",
    "set_shop_database",
    "shop_history",
    "shop_report",
    "check_update",
    "install_update",
    "restart_app",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    // Capabilities live beside the shell's code rather than at the top level.
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build runs");
}
