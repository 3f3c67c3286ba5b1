// A fake backend behind Tauri's IPC mock, so tests drive the real api.ts and components.
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { render, waitFor } from '@testing-library/svelte';
import App from '../App.svelte';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { Bootstrap } from '../bindings/Bootstrap';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { ItemView } from '../bindings/ItemView';
import type { PrintJobView } from '../bindings/PrintJobView';
import type { QuoteView } from '../bindings/QuoteView';
import type { ShopLinkView } from '../bindings/ShopLinkView';
import { fromMinor, toMinor } from '../lib/money';

/** Shaped as the backend's (`qr::qr_svg`): a background rect and one dark path. */
export const QR_SVG =
  '<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="232" height="232" viewBox="0 0 232 232" shape-rendering="crispEdges"><rect x="0" y="0" width="232" height="232" fill="#fff"/><path fill="#000" d="M32 32h56v56H32V32"/></svg>';

export function bootstrapReply(settings: Partial<Bootstrap['settings']> = {}): Bootstrap {
  return {
    gateways: [
      {
        id: 'demo',
        name: 'Demo',
        fields: [],
        currencies: null,
        can_poll: true,
        default_base_url: 'http://127.0.0.1:8787/demo/',
        repeat: 'returns_existing',
        lookup: 'by_order_id',
        lifetime: { kind: 'settable', min_secs: 60, max_secs: 86_400 },
      },
      {
        id: 'dex3',
        name: 'Dex3',
        fields: [
          { name: 'merchant_public', label: 'Merchant public key', secret: false, required: true, source: null },
          { name: 'merchant_private', label: 'Merchant private key', secret: true, required: true, source: null },
        ],
        currencies: ['USD'],
        can_poll: true,
        default_base_url: 'https://api.dex3.io/',
        repeat: 'refused',
        lookup: 'dashboard',
        lifetime: { kind: 'settable', min_secs: 60, max_secs: 604_800 },
      },
    ],
    currencies: [
      { code: 'USD', decimals: 2 },
      { code: 'EUR', decimals: 2 },
      { code: 'JPY', decimals: 0 },
    ],
    late_sales: [],
    limits: { text_chars: 200, max_per_sale: 1_000_000, item_name_chars: 80, barcode_chars: 64, category_chars: 40, label_chars: 40 },
    settings: {
      default_gateway: 'demo',
      default_currency: 'USD',
      last_gateway: null,
      base_urls: {},
      decimal_comma: false,
      terminal_label: null,
      shop_name: null,
      relay_url: null,
      language: 'en',
      sounds: false,
      tip_percents: [],
      kiosk: false,
      always_on_top: false,
      idle_lock_minutes: 0,
      lifetime_minutes: {},
      manager_pin_set: false,
      tax_rounding: { level: 'line', mode: 'half_up' },
      max_rate_age_hours: 48,
      rates_url: null,
      printer: null,
      paper_width: 'mm80',
      printer_qr: 'native',
      auto_print: false,
      copies: 1,
      drawer_on_cash: true,
      ...settings,
    },
  };
}

export function invoiceView(overrides: Partial<InvoiceView> = {}): InvoiceView {
  return {
    id: 1,
    order_id: 'PD-20261123-AAAA1111',
    gateway: 'demo',
    gateway_name: 'Demo',
    amount: '12.34',
    tip: null,
    currency: 'USD',
    description: null,
    status: 'pending',
    gateway_status: 'new',
    gateway_invoice_id: 'demo-1',
    pay_link: 'http://127.0.0.1:8787/demo/pay/demo-1',
    expires_at: Math.floor(Date.now() / 1000) + 15 * 60,
    last_error: null,
    created_at: Math.floor(Date.now() / 1000),
    is_final: false,
    abandoned_at: null,
    kind: 'sale',
    refund_of: null,
    cashier: null,
    priced: null,
    ...overrides,
  };
}

/** A print job as the backend's queue reports it (queued by default). */
export function printJob(overrides: Partial<PrintJobView> = {}): PrintJobView {
  return { id: 1, kind: 'receipt', order_id: null, state: 'queued', attempts: 0, error: null, ...overrides };
}

/** The link to the shop database as Settings shows it (none set by default). */
export function shopLinkView(overrides: Partial<ShopLinkView> = {}): ShopLinkView {
  return {
    set: false,
    address: null,
    till_id: 'till-7f3a',
    till_name: 'PD',
    pending: 0,
    pushed_at: null,
    listening: false,
    error: null,
    ...overrides,
  };
}

/** What the backend emits to the cashier's window on every change of a print job. */
export function sendPrintJob(job: PrintJobView): Promise<void> {
  return emit('print-job', job);
}

/** The fake catalog `items` searches by name, barcode or category. */
export const CATALOG: ItemView[] = [
  { id: 1, name: 'Espresso', price: '2.20', currency: 'USD', tax_rate: 'Reduced', barcode: '4006381333931', category: 'Coffee' },
  { id: 2, name: 'Croissant', price: '3.00', currency: 'USD', tax_rate: null, barcode: 'CR-1', category: 'Bakery' },
  { id: 3, name: 'Espresso doppio', price: '3.10', currency: 'USD', tax_rate: 'Reduced', barcode: null, category: 'Coffee' },
];

/** Like the till's quote, without tax: catalog lines, the typed amount and the tip, summed exactly
 *  in the request's currency (the real till prices in the backend; this is the tests' stand-in). */
export function quoteReply(args: Args): QuoteView {
  const request = args.request as { amount: string; items: { item_id: number; quantity: number }[]; tip: string | null; currency: string };
  const decimals = ({ JPY: 0, KWD: 3 } as Record<string, number>)[request.currency] ?? 2;
  const minor = (text: string) => {
    const value = toMinor(text, decimals);
    if (value === null) throw rejection('bad_amount', `not an amount in ${request.currency}`);
    return value;
  };
  const lines = request.items.map(({ item_id, quantity }) => {
    const item = CATALOG.find((i) => i.id === item_id);
    if (!item) throw rejection('not_found', `no item ${item_id}`);
    return { quantity, name: item.name, minor: minor(item.price) * BigInt(quantity) };
  });
  const typed = request.amount === '' ? 0n : minor(request.amount);
  if (typed > 0n) lines.push({ quantity: 1, name: 'Amount', minor: typed });
  const tip = request.tip === null || request.tip === '' ? 0n : minor(request.tip);
  const total = lines.reduce((sum, line) => sum + line.minor, 0n) + tip;
  return {
    items: lines.map((l) => ({ quantity: l.quantity, name: l.name, amount: fromMinor(l.minor, decimals) })),
    taxes: [],
    total: fromMinor(total, decimals),
    tip: tip > 0n ? fromMinor(tip, decimals) : null,
    currency: request.currency,
    charged: null,
  };
}

/** What the backend rejects with; `orderId` names the sale a `sale_unknown` leaves to be checked. */
export function rejection(code: ErrorCode, message: string, orderId?: string): ErrorReply {
  return orderId === undefined ? { code, message } : { code, message, order_id: orderId };
}

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

export interface Call {
  command: string;
  args: Args;
}

/** Installs the fake backend; `handlers` override the defaults. Throw an ErrorReply to reject. */
export function mockBackend(handlers: Record<string, Handler> = {}): Call[] {
  const calls: Call[] = [];
  const defaults: Record<string, Handler> = {
    bootstrap: () => bootstrapReply(),
    check_amount: ({ amount, currency }) => ({ amount, currency }),
    invoice_qr: () => QR_SVG,
    history: () => [],
    credentials: ({ gateway }) => bootstrapReply().gateways.find((g) => g.id === gateway)?.fields ?? [],
    ui_ready: () => null,
    // A till with no update URL: nothing is asked, nothing shown.
    check_update: () => ({ state: 'off' }),
    abandon_invoice: ({ key }) => invoiceView({ order_id: String(key), abandoned_at: Math.floor(Date.now() / 1000) }),
    manager_status: () => ({ pin_set: false, unlocked: true, locked_out_seconds: 0 }),
    lock: () => ({ pin_set: false, unlocked: true, locked_out_seconds: 0 }),
    unlock: () => ({ pin_set: false, unlocked: true, locked_out_seconds: 0 }),
    set_manager_pin: (args) => ({ pin_set: args.new !== null, unlocked: true, locked_out_seconds: 0 }),
    leave_kiosk: () => bootstrapReply().settings,
    show_on_customer_display: () => null,
    // A till without cashiers: the seller bar shows nothing and sales need no sign-in.
    seller: () => ({ cashiers_required: false, cashier: null, shift: null }),
    cashiers: () => [],
    tax_rates: () => [],
    rates: () => [],
    items: ({ search }) =>
      CATALOG.filter((item) =>
        [item.name, item.barcode ?? '', item.category ?? ''].some((text) =>
          text.toLowerCase().includes(String(search).toLowerCase()),
        ),
      ),
    item_by_barcode: ({ code }) => {
      const item = CATALOG.find((i) => i.barcode === code);
      if (!item) throw rejection('not_found', `no item has the barcode ${String(code)}`);
      return item;
    },
    quote: quoteReply,
    print_jobs: () => [],
    shop_link: () => shopLinkView(),
    print_receipt: ({ key }) => printJob({ id: 1, kind: 'receipt', order_id: String(key) }),
    test_print: () => printJob({ id: 2, kind: 'test' }),
    open_drawer: () => printJob({ id: 3, kind: 'drawer' }),
    cash_sale: ({ request }) => {
      const { total, currency } = quoteReply({ request });
      return invoiceView({ kind: 'cash', gateway: 'cash', gateway_name: 'Cash', amount: total, currency, status: 'paid', is_final: true });
    },
  };
  mockIPC(
    (command, args) => {
      const payload = (args ?? {}) as Args;
      calls.push({ command, args: payload });
      const handler = handlers[command] ?? defaults[command];
      if (!handler) throw rejection('unsupported', `the test backend has no '${command}'`);
      return handler(payload);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** The app on the fake backend (`handlers` override the defaults), once its keypad is ready;
 *  resolves to the log of the commands it receives. */
export async function startApp(handlers: Record<string, Handler> = {}): Promise<Call[]> {
  const calls = mockBackend(handlers);
  render(App);
  await waitUntilReady();
  return calls;
}

export function callsTo(calls: Call[], command: string): Args[] {
  return calls.filter((c) => c.command === command).map((c) => c.args);
}

export function sendInvoiceUpdate(invoice: InvoiceView): Promise<void> {
  return emit('invoice-updated', invoice);
}

/** What the backend sends the customer-facing window for the same change: status only. */
export function sendSaleStatus({ order_id, status, is_final }: InvoiceView): Promise<void> {
  return emit('sale-status', { order_id, status, is_final });
}

export function waitUntilReady(): Promise<void> {
  return waitFor(() => {
    if (document.documentElement.dataset.ready !== 'true') throw new Error('not ready');
  });
}

/** A promise the test settles by hand, to hold a command "in flight". */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

export function byId(id: string): HTMLElement | null {
  return document.getElementById(id);
}
