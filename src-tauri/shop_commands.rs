//! The IPC commands of the shop's money rules (catalog, tax rates, cashiers and shifts, exchange
//! rates, cash sales of what was rung up) and of its counter hardware (receipt printer, cash
//! drawer), and of the shop database several tills share: each checks the calling window, then
//! makes one call into `Till`.

use crate::commands::{blocking, cashier_only, export_dir};
use crate::App;
use paydesk_till::api::{
    CashierView, ChargeRequest, ImportOutcome, InvoiceView, ItemInput, ItemView, QuoteView, RateView, SaleRequest,
    SellerView, ShiftView, ShopLinkView, ShopSaleView, TaxRateView,
};
use paydesk_till::error::ErrorReply;
use paydesk_till::printing::PrintJobView;
use paydesk_till::report::ShopReport;
use tauri::{AppHandle, State, Window};

type Reply<T> = Result<T, ErrorReply>;

#[tauri::command]
pub(crate) async fn items(window: Window, app: State<'_, App>, search: String) -> Reply<Vec<ItemView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.items(&search)).await
}

#[tauri::command]
pub(crate) async fn item_by_barcode(window: Window, app: State<'_, App>, code: String) -> Reply<ItemView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.item_by_barcode(&code)).await
}

#[tauri::command]
pub(crate) async fn save_item(
    window: Window,
    app: State<'_, App>,
    id: Option<i64>,
    item: ItemInput,
) -> Reply<ItemView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.save_item(id, item)).await
}

#[tauri::command]
pub(crate) async fn delete_item(window: Window, app: State<'_, App>, id: i64) -> Reply<()> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.delete_item(id)).await
}

#[tauri::command]
pub(crate) async fn import_catalog(window: Window, app: State<'_, App>, text: String) -> Reply<ImportOutcome> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.import_catalog(&text)).await
}

#[tauri::command]
pub(crate) async fn export_catalog(window: Window, handle: AppHandle, app: State<'_, App>) -> Reply<String> {
    cashier_only(window.label())?;
    let dir = export_dir(&handle);
    blocking(&app, move |till| till.export_catalog(&dir)).await
}

#[tauri::command]
pub(crate) async fn tax_rates(window: Window, app: State<'_, App>) -> Reply<Vec<TaxRateView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.tax_rates()).await
}

#[tauri::command]
pub(crate) async fn save_tax_rate(window: Window, app: State<'_, App>, rate: TaxRateView) -> Reply<Vec<TaxRateView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.save_tax_rate(rate)).await
}

#[tauri::command]
pub(crate) async fn delete_tax_rate(window: Window, app: State<'_, App>, name: String) -> Reply<Vec<TaxRateView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.delete_tax_rate(&name)).await
}

#[tauri::command]
pub(crate) async fn cashiers(window: Window, app: State<'_, App>) -> Reply<Vec<CashierView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.cashiers()).await
}

#[tauri::command]
pub(crate) async fn add_cashier(window: Window, app: State<'_, App>, name: String, pin: String) -> Reply<CashierView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.add_cashier(&name, pin)).await
}

#[tauri::command]
pub(crate) async fn update_cashier(
    window: Window,
    app: State<'_, App>,
    id: i64,
    pin: Option<String>,
    active: Option<bool>,
) -> Reply<Vec<CashierView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.update_cashier(id, pin, active)).await
}

#[tauri::command]
pub(crate) async fn sign_in(window: Window, app: State<'_, App>, cashier_id: i64, pin: String) -> Reply<SellerView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.sign_in(cashier_id, pin)).await
}

#[tauri::command]
pub(crate) async fn sign_out(window: Window, app: State<'_, App>) -> Reply<SellerView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.sign_out()).await
}

#[tauri::command]
pub(crate) async fn seller(window: Window, app: State<'_, App>) -> Reply<SellerView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.seller()).await
}

#[tauri::command]
pub(crate) async fn open_shift(
    window: Window,
    app: State<'_, App>,
    float: String,
    currency: String,
) -> Reply<SellerView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.open_shift(&float, &currency)).await
}

#[tauri::command]
pub(crate) async fn close_shift(window: Window, app: State<'_, App>, counted: String) -> Reply<ShiftView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.close_shift(&counted)).await
}

#[tauri::command]
pub(crate) async fn rates(window: Window, app: State<'_, App>) -> Reply<Vec<RateView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.rates()).await
}

#[tauri::command]
pub(crate) async fn fetch_rates(window: Window, app: State<'_, App>) -> Reply<Vec<RateView>> {
    cashier_only(window.label())?;
    app.till.fetch_rates().await.map_err(|e| e.reply())
}

#[tauri::command]
pub(crate) async fn set_rate(
    window: Window,
    app: State<'_, App>,
    base: String,
    quote: String,
    rate: String,
) -> Reply<Vec<RateView>> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.set_rate(&base, &quote, &rate)).await
}

#[tauri::command]
pub(crate) async fn cash_sale(window: Window, app: State<'_, App>, request: SaleRequest) -> Reply<InvoiceView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.cash_sale(request)).await
}

#[tauri::command]
pub(crate) async fn quote(window: Window, app: State<'_, App>, request: ChargeRequest) -> Reply<QuoteView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.quote(&request)).await
}

#[tauri::command]
pub(crate) async fn print_receipt(window: Window, app: State<'_, App>, key: String) -> Reply<PrintJobView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.print_receipt(&key)).await
}

#[tauri::command]
pub(crate) async fn print_jobs(window: Window, app: State<'_, App>) -> Reply<Vec<PrintJobView>> {
    cashier_only(window.label())?;
    Ok(app.till.print_jobs())
}

#[tauri::command]
pub(crate) async fn test_print(window: Window, app: State<'_, App>) -> Reply<PrintJobView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.test_print()).await
}

#[tauri::command]
pub(crate) async fn open_drawer(window: Window, app: State<'_, App>, reason: String) -> Reply<PrintJobView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.open_drawer(&reason)).await
}

#[tauri::command]
pub(crate) async fn shop_link(window: Window, app: State<'_, App>) -> Reply<ShopLinkView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.shop_link()).await
}

/// Keyring work, and the link restarts (its tasks spawn on the runtime the blocking pool belongs to).
#[tauri::command]
pub(crate) async fn set_shop_database(window: Window, app: State<'_, App>, url: Option<String>) -> Reply<ShopLinkView> {
    cashier_only(window.label())?;
    blocking(&app, move |till| till.set_shop_database(url)).await
}

#[tauri::command]
pub(crate) async fn shop_history(
    window: Window,
    app: State<'_, App>,
    search: String,
    limit: u32,
    offset: u32,
) -> Reply<Vec<ShopSaleView>> {
    cashier_only(window.label())?;
    app.till.shop_history(&search, limit, offset).await.map_err(|e| e.reply())
}

#[tauri::command]
pub(crate) async fn shop_report(window: Window, app: State<'_, App>, from: i64, to: i64) -> Reply<ShopReport> {
    cashier_only(window.label())?;
    app.till.shop_report(from, to).await.map_err(|e| e.reply())
}
