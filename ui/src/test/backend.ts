// A fake backend behind Tauri's IPC mock, so tests drive the real api.ts and components.
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { render, waitFor } from '@testing-library/svelte';
import App from '../App.svelte';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { Bootstrap } from '../bindings/Bootstrap';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { InvoiceView } from '../bindings/InvoiceView';

export const QR_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><path d="M4 4h7v7H4z"/></svg>';

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
    limits: { text_chars: 200, max_per_sale: 1_000_000 },
    settings: {
      default_gateway: 'demo',
      default_currency: 'USD',
      last_gateway: null,
      base_urls: {},
      decimal_comma: false,
      terminal_label: null,
      shop_name: null,
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
    ...overrides,
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
    items: () => [],
    rates: () => [],
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
