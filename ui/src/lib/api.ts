// The only module that talks to the Tauri backend. Every command resolves with its generated type
// or rejects with an ApiError ({code, message, orderId}), whatever shape the rejection arrived in.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AmountCheck } from '../bindings/AmountCheck';
import type { Bootstrap } from '../bindings/Bootstrap';
import type { ChargeRequest } from '../bindings/ChargeRequest';
import type { ConnectionCheck } from '../bindings/ConnectionCheck';
import type { CredentialField } from '../bindings/CredentialField';
import type { CustomerView } from '../bindings/CustomerView';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { ItemView } from '../bindings/ItemView';
import type { ManagerStatus } from '../bindings/ManagerStatus';
import type { QuoteView } from '../bindings/QuoteView';
import type { ReceiptView } from '../bindings/ReceiptView';
import type { SaleRequest } from '../bindings/SaleRequest';
import type { SaleStatus } from '../bindings/SaleStatus';
import type { SettingsInput } from '../bindings/SettingsInput';
import type { SettingsView } from '../bindings/SettingsView';
import type { ShiftReport } from '../bindings/ShiftReport';

export class ApiError extends Error implements ErrorReply {
  readonly code: ErrorCode;
  /** The sale the error leaves to be checked (`sale_unknown`: the customer may still pay it). */
  readonly orderId: string | null;
  constructor({ code, message, order_id }: ErrorReply) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.orderId = order_id ?? null;
  }
}

/** Backend errors arrive as {code, message, order_id?}; Tauri's own (unknown command, IPC failure)
 *  as a string. */
export function toApiError(reason: unknown): ApiError {
  if (reason instanceof ApiError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, message, order_id } = reason as Partial<Record<keyof ErrorReply, unknown>>;
    if (typeof message === 'string' && message !== '') {
      const sale = typeof order_id === 'string' && order_id !== '' ? order_id : undefined;
      // The backend sends only ErrorCode values (generated from Rust); anything else is Tauri's own.
      const known = typeof code === 'string' ? (code as ErrorCode) : 'internal';
      return new ApiError({ code: known, message, order_id: sale });
    }
  }
  if (typeof reason === 'string' && reason !== '') return new ApiError({ code: 'internal', message: reason });
  return new ApiError({ code: 'internal', message: 'something went wrong inside Paydesk' });
}

let askManager: (() => Promise<boolean>) | null = null;

/** Who asks for the manager PIN when a command answers `manager_pin_required`; true once unlocked. */
export function onManagerPinRequired(ask: () => Promise<boolean>) {
  askManager = ask;
}

/** A backend reply, its rejection made an ApiError. */
async function answered<T>(reply: Promise<T>): Promise<T> {
  try {
    return await reply;
  } catch (reason) {
    throw toApiError(reason);
  }
}

function send<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  return answered(invoke<T>(command, args));
}

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await send<T>(command, args);
  } catch (e) {
    // A manager-only command on a locked till: ask for the PIN, then send it once more.
    if ((e as ApiError).code === 'manager_pin_required' && askManager && (await askManager())) {
      return send<T>(command, args);
    }
    throw e;
  }
}

/** What index.html's inline script leaves on the page: its request for the state, and the
 *  answer once it is here. Each is taken once. */
type EarlyPage = { __paydeskBootstrap?: Promise<Bootstrap>; __paydeskBootstrapState?: Bootstrap };

function takeEarly(): EarlyPage {
  const page = window as EarlyPage;
  const { __paydeskBootstrap, __paydeskBootstrapState } = page;
  delete page.__paydeskBootstrap;
  delete page.__paydeskBootstrapState;
  return { __paydeskBootstrap, __paydeskBootstrapState };
}

/** The answer to the request index.html sent as the page started, if it is already here (then it
 *  is taken, as `bootstrap` would take it); else null and nothing is taken. */
export function bootstrapHere(): Bootstrap | null {
  if (!(window as EarlyPage).__paydeskBootstrapState) return null;
  return takeEarly().__paydeskBootstrapState ?? null;
}

/** The till's state. The first time, the answer to the request index.html sent as the page
 *  started; after that (the catch-up once listening, Try again) asked anew. */
export function bootstrap(): Promise<Bootstrap> {
  const early = takeEarly().__paydeskBootstrap;
  return early ? answered(early) : call<Bootstrap>('bootstrap');
}
export const checkAmount = (amount: string, currency: string) =>
  call<AmountCheck>('check_amount', { amount, currency });
export const charge = (request: ChargeRequest) => call<InvoiceView>('charge', { request });
/** Catalog items whose name, barcode or category matches `search` (empty: all of them). */
export const items = (search: string) => call<ItemView[]>('items', { search });
export const itemByBarcode = (code: string) => call<ItemView>('item_by_barcode', { code });
/** What a sale rung up comes to (lines, tax per rate, total, converted amount): the till prices it,
 *  the window only shows the answer. */
export const quote = (request: ChargeRequest) => call<QuoteView>('quote', { request });
/** A rung-up sale (items and any typed amount) paid in cash: recorded paid at once. */
export const cashSale = (request: SaleRequest) => call<InvoiceView>('cash_sale', { request });
export const followInvoice = (key: string) => call<InvoiceView>('follow_invoice', { key });
/** Asks the gateway about a failed or unknown sale, or re-sends it under the same order id. */
export const retryInvoice = (key: string) => call<InvoiceView>('retry_invoice', { key });
/** A manager's verdict on a sale the gateway cannot settle for Paydesk, with the reason. */
export const settleInvoice = (key: string, paid: boolean, reason: string) =>
  call<InvoiceView>('settle_invoice', { key, paid, reason });
/** Back to the keypad; the sale is marked abandoned and still followed for a late payment. */
export const abandonInvoice = (key: string) => call<InvoiceView>('abandon_invoice', { key });
/** The cashier saw a late payment's notice; it is not raised again, also not after a restart. */
export const dismissLate = (key: string) => call<null>('dismiss_late', { key });
export const invoiceQr = (key: string) => call<string>('invoice_qr', { key });
export const openPayLink = (key: string) => call<null>('open_pay_link', { key });
export const history = (search: string, limit: number, offset: number) =>
  call<InvoiceView[]>('history', { search, limit, offset });
export const exportCsv = () => call<string>('export_csv');
/** A sale paid in cash: recorded paid at once, nothing is sent to a gateway. */
export const recordCashSale = (amount: string, currency: string, description: string | null) =>
  call<InvoiceView>('record_cash_sale', { amount, currency, description });
/** Money paid back by hand (manager only); `original` is the refunded sale's order id, if any. */
export const recordRefund = (amount: string, currency: string, reason: string, original: string | null) =>
  call<InvoiceView>('record_refund', { amount, currency, reason, original });
/** Totals of the entries created in [from, to), Unix seconds. */
export const shiftReport = (from: number, to: number) => call<ShiftReport>('shift_report', { from, to });
export const exportReportCsv = (from: number, to: number) => call<string>('export_report_csv', { from, to });
export const credentials = (gateway: string) => call<CredentialField[]>('credentials', { gateway });
export const setCredential = (gateway: string, field: string, value: string) =>
  call<CredentialField[]>('set_credential', { gateway, field, value });
export const deleteCredentials = (gateway: string) => call<CredentialField[]>('delete_credentials', { gateway });
export const saveSettings = (input: SettingsInput) => call<SettingsView>('save_settings', { input });
export const testConnection = (gateway: string) => call<ConnectionCheck>('test_connection', { gateway });
export const managerStatus = () => send<ManagerStatus>('manager_status');
export const unlock = (pin: string) => send<ManagerStatus>('unlock', { pin });
export const lock = () => send<ManagerStatus>('lock');
/** Sets or changes (`next` given) or removes (`next` null) the manager PIN. */
export const setManagerPin = (current: string | null, next: string | null) =>
  call<ManagerStatus>('set_manager_pin', { current, new: next });
export const leaveKiosk = () => call<SettingsView>('leave_kiosk');
/** The OS print dialog for the window; the print stylesheet leaves only the receipt or report. */
export const printPage = () => call<null>('print_page');
export const receipt = (sale: InvoiceView) => call<ReceiptView>('receipt', { key: sale.order_id });
/** Saves the receipt as a PDF where exports go; resolves to the file's path. */
export const saveReceiptPdf = (sale: InvoiceView) => call<string>('save_receipt_pdf', { key: sale.order_id });
/** Opens or closes the customer-facing window; resolves to whether it is open now. */
export const toggleCustomerDisplay = () => call<boolean>('toggle_customer_display');
/** Shows the sale `key` on the customer-facing window, or the welcome for null. */
export const showOnCustomerDisplay = (key: string | null) => call<null>('show_on_customer_display', { key });
/** What the customer-facing window should show now (it asks when it loads). */
export const customerDisplay = () => call<CustomerView>('customer_display');
/** Tells the backend the keypad is interactive (bench/startup times cold start by it). */
export const uiReady = () => call<null>('ui_ready');

/** The customer-facing window's view of those changes: status only (`sale-status`). */
export function onSaleStatus(handler: (sale: SaleStatus) => void): Promise<UnlistenFn> {
  return listen<SaleStatus>('sale-status', (event) => handler(event.payload));
}

/** Calls `handler` with every `invoice-updated` event the backend emits while following invoices
 *  (the cashier's window only). */
export function onInvoiceUpdated(handler: (invoice: InvoiceView) => void): Promise<UnlistenFn> {
  return listen<InvoiceView>('invoice-updated', (event) => handler(event.payload));
}

/** Calls `handler` with what the customer-facing window is to show from now on. */
export function onCustomerDisplay(handler: (view: CustomerView) => void): Promise<UnlistenFn> {
  return listen<CustomerView>('customer-display', (event) => handler(event.payload));
}

/** Calls `handler` when the customer-facing window closes (its own close button included). */
export function onCustomerDisplayClosed(handler: () => void): Promise<UnlistenFn> {
  return listen<null>('customer-display-closed', () => handler());
}

// ---- The shop's money rules: catalog, tax rates, cashiers and shifts, exchange rates.
// Imported here, not at the top, so this block stays apart from the charge screen's additions;
// ItemView under another name, since the charge screen imports it by its own.
import type { CashierView } from '../bindings/CashierView';
import type { ImportOutcome } from '../bindings/ImportOutcome';
import type { ItemInput } from '../bindings/ItemInput';
import type { RateView } from '../bindings/RateView';
import type { SellerView } from '../bindings/SellerView';
import type { ShiftView } from '../bindings/ShiftView';
import type { TaxRateView } from '../bindings/TaxRateView';
type CatalogItem = import('../bindings/ItemView').ItemView;

/** The catalog items whose name, barcode or category match `search` (a screenful at most). */
export const catalogItems = (search: string) => call<CatalogItem[]>('items', { search });
/** Adds an item (`id` null) or changes one (manager only); the price in the wire form ("2.20"). */
export const saveItem = (id: number | null, item: ItemInput) => call<CatalogItem>('save_item', { id, item });
export const deleteItem = (id: number) => call<null>('delete_item', { id });
/** Replaces the whole catalog with a CSV file's text (manager only): all of it or, with any bad
 *  line, none of it, the refusal naming every bad line and column. */
export const importCatalog = (text: string) => call<ImportOutcome>('import_catalog', { text });
/** Writes the catalog as CSV where exports go; resolves to the file's path. */
export const exportCatalog = () => call<string>('export_catalog');
export const taxRates = () => call<TaxRateView[]>('tax_rates');
/** Adds or changes the rate of that name (manager only); percent as text ("20", "7.7"). */
export const saveTaxRate = (rate: TaxRateView) => call<TaxRateView[]>('save_tax_rate', { rate });
export const deleteTaxRate = (name: string) => call<TaxRateView[]>('delete_tax_rate', { name });
export const cashiers = () => call<CashierView[]>('cashiers');
export const addCashier = (name: string, pin: string) => call<CashierView>('add_cashier', { name, pin });
/** A new PIN (`pin`), or signing in allowed or not (`active`); null leaves that part as it is. */
export const updateCashier = (id: number, pin: string | null, active: boolean | null) =>
  call<CashierView[]>('update_cashier', { id, pin, active });
export const signIn = (cashierId: number, pin: string) => call<SellerView>('sign_in', { cashierId, pin });
export const signOut = () => call<SellerView>('sign_out');
/** Who sells at this till now, and whether the till needs a cashier and an open shift to sell. */
export const seller = () => call<SellerView>('seller');
/** Opens a shift for the signed-in cashier; `float` in the wire form ("100.00", "0"). */
export const openShift = (float: string, currency: string) => call<SellerView>('open_shift', { float, currency });
/** Closes the open shift with the cash counted (wire form); the answer's figures are final. */
export const closeShift = (counted: string) => call<ShiftView>('close_shift', { counted });
export const rates = () => call<RateView[]>('rates');
/** Fetches today's reference rates (the ECB's, or the source set in Settings). */
export const fetchRates = () => call<RateView[]>('fetch_rates');
/** Sets a rate by hand (manager only): 1 `base` = `rate` `quote`, as of now. */
export const setRate = (base: string, quote: string, rate: string) =>
  call<RateView[]>('set_rate', { base, quote, rate });

// ---- The receipt printer and the cash drawer: jobs on the backend's print queue, off the sale's
// path. Each answer is the job as queued; what becomes of it arrives as `print-job` events.
import type { PrintJobView } from '../bindings/PrintJobView';

/** Prints the sale `key`'s receipt on the receipt printer (also the Reprint of a failed one). */
export const printReceipt = (key: string) => call<PrintJobView>('print_receipt', { key });
/** The jobs the queue still knows (the latest ones, failed ones included). */
export const printJobs = () => call<PrintJobView[]>('print_jobs');
/** The paper's ruler and a QR code on the saved printer (manager only). */
export const testPrint = () => call<PrintJobView>('test_print');
/** Opens the cash drawer without a sale (manager only); the reason goes in the ledger. */
export const openDrawer = (reason: string) => call<PrintJobView>('open_drawer', { reason });

/** Calls `handler` with every change of every print job (the cashier's window only). */
export function onPrintJob(handler: (job: PrintJobView) => void): Promise<UnlistenFn> {
  return listen<PrintJobView>('print-job', (event) => handler(event.payload));
}

// ---- The shop database several tills replicate into: its address (kept in the keyring, shown
// masked), the link's state, and the whole shop's History and Report (a manager's).
import type { ShopLinkView } from '../bindings/ShopLinkView';
import type { ShopReport } from '../bindings/ShopReport';
import type { ShopSaleView } from '../bindings/ShopSaleView';

/** Whether a shop database is set, and how this till's link to it is doing. */
export const shopLink = () => call<ShopLinkView>('shop_link');
/** Sets the shop database's `postgres://` address (manager only), or forgets it with null; the
 *  answer shows the address masked, never the password. */
export const setShopDatabase = (url: string | null) => call<ShopLinkView>('set_shop_database', { url });
/** The newest sales of every till (manager only), matching `search`. */
export const shopHistory = (search: string, limit: number, offset: number) =>
  call<ShopSaleView[]>('shop_history', { search, limit, offset });
/** The whole shop's totals for [from, to), Unix seconds (manager only): in total and per till. */
export const shopReport = (from: number, to: number) => call<ShopReport>('shop_report', { from, to });

// ---- Updates: signed by Paydesk's update key, asked for only at the shop's update URL and only
// while no sale is open (the backend decides; `not_now` while one is).
import type { UpdateCheck } from '../bindings/UpdateCheck';
export const checkUpdate = () => call<UpdateCheck>('check_update');
/** Downloads the update the last check found, checks its signature, installs it; resolves to the
 *  version installed (the running app carries on until it restarts). */
export const installUpdate = () => call<string>('install_update');
/** Restarts the app on the version installed. */
export const restartApp = () => call<null>('restart_app');
