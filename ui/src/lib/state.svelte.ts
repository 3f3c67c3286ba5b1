// The app's shared state: what bootstrap said, which screen is up, the sale being typed and the
// invoice on screen. One instance per app, created once bootstrap has answered.
import type { Bootstrap } from '../bindings/Bootstrap';
import type { CurrencyView } from '../bindings/CurrencyView';
import type { Limits } from '../bindings/Limits';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { GatewayView } from '../bindings/GatewayView';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { ItemView } from '../bindings/ItemView';
import type { SettingsView } from '../bindings/SettingsView';
import * as api from './api';
import { Manager } from './manager.svelte';
import { PrintJobs } from './print.svelte';
import { setLanguage } from './i18n.svelte';
import { playOutcome } from './sounds';

export type Screen = 'charge' | 'invoice' | 'history' | 'report' | 'settings' | 'shop';

/** A catalog item in the cart: the till prices it, the window sends only its id and quantity. */
export interface CartLine {
  item: ItemView;
  /** 1..999 */
  quantity: number;
}

export interface Sale {
  /** As typed, with "." as the decimal mark (see keypad.ts). */
  amount: string;
  /** Amounts already added with "+", as check_amount normalised them ("3.50"); charged with the entry. */
  parts: string[];
  /** Catalog items rung up beside the typed amount. */
  items: CartLine[];
  currency: string;
  gateway: string;
  description: string;
}

export class AppState {
  readonly gateways: GatewayView[];
  readonly currencies: CurrencyView[];
  /** What the till accepts (text lengths, the largest sale), as bootstrap says. */
  readonly limits: Limits;
  settings: SettingsView;
  screen: Screen = $state('charge');
  invoice: InvoiceView | null = $state(null);
  /** Abandoned sales that were paid (or expired part-paid) afterwards, until the cashier dismisses them. */
  lateNotices: InvoiceView[];
  /** Why following the invoice on screen could not be resumed. */
  followError: ErrorReply | null = $state(null);
  sale: Sale;
  /** The manager PIN's lock: what it guards asks for the PIN first. */
  readonly manager: Manager;
  /** The receipt printer's jobs (from `print-job` events) and the receipts that failed to print. */
  readonly print = new PrintJobs();

  constructor(boot: Bootstrap) {
    this.manager = new Manager(boot.settings.manager_pin_set);
    this.gateways = boot.gateways;
    this.currencies = boot.currencies;
    this.limits = boot.limits;
    this.lateNotices = $state(boot.late_sales);
    this.settings = $state(boot.settings);
    const { last_gateway, default_gateway, default_currency } = boot.settings;
    const gateway = [last_gateway, default_gateway].find((id) => id && this.gateway(id)) ?? boot.gateways[0]?.id ?? '';
    this.sale = $state({ amount: '', parts: [], items: [], currency: default_currency, gateway, description: '' });
  }

  gateway(id: string): GatewayView | undefined {
    return this.gateways.find((g) => g.id === id);
  }

  decimals(currency: string): number {
    return this.currencies.find((c) => c.code === currency)?.decimals ?? 2;
  }

  /** A sale went through: show its invoice and leave an empty keypad behind. */
  charged(invoice: InvoiceView) {
    this.sale.amount = '';
    this.sale.parts = [];
    this.sale.items = [];
    this.sale.description = '';
    this.showInvoice(invoice);
  }

  showInvoice(invoice: InvoiceView) {
    this.invoice = invoice;
    this.followError = null;
    this.screen = 'invoice';
    // The customer's screen is a courtesy: a failure there must not disturb the sale.
    api.showOnCustomerDisplay(invoice.order_id).catch(() => {});
  }

  /** An `invoice-updated` event or a follow answer; only the invoice on screen changes, but a
   *  late outcome of an abandoned sale is raised wherever the cashier is. Returns whether a new
   *  late notice was raised (the caller may play a sound). */
  update(invoice: InvoiceView): boolean {
    const late = this.noteLate(invoice);
    this.showUpdate(invoice);
    return late;
  }

  private noteLate(invoice: InvoiceView): boolean {
    const needsAction = invoice.status === 'paid_late' || (invoice.abandoned_at !== null && invoice.status === 'expired_partial');
    if (!needsAction || this.lateNotices.some((n) => n.order_id === invoice.order_id)) return false;
    this.lateNotices.push(invoice);
    return true;
  }

  /** The cashier saw it: gone here and, once the backend has noted it, after a restart too. */
  async dismissLate(orderId: string) {
    this.lateNotices = this.lateNotices.filter((n) => n.order_id !== orderId);
    await api.dismissLate(orderId).catch(() => {}); // not noted: it shows again after a restart, nothing lost
  }

  private showUpdate(invoice: InvoiceView) {
    const current = this.invoice;
    if (current?.order_id !== invoice.order_id) return;
    // Events and command answers can cross; once final, an invoice never goes back.
    if (current.is_final && !invoice.is_final) return;
    this.invoice = invoice;
    playOutcome(invoice, this.settings.sounds);
  }

  /** The customer left without paying yet: the backend keeps watching the sale, the keypad is free. */
  abandoned(invoice: InvoiceView) {
    this.showUpdate(invoice);
    // Paid a moment before the button was pressed: show that instead of leaving.
    if (!invoice.is_final) this.newSale();
  }

  /** Before another screen replaces the invoice: an open sale is abandoned (and still watched),
   *  never dropped silently, and the customer display goes back to its welcome. False if the
   *  backend refused; the invoice then stays, with the reason. */
  async leaveInvoice(): Promise<boolean> {
    const open = this.screen === 'invoice' ? this.invoice : null;
    if (!open) return true;
    if (!open.is_final && open.abandoned_at === null) {
      try {
        this.showUpdate(await api.abandonInvoice(open.order_id));
      } catch (e) {
        this.followError = api.toApiError(e);
        return false;
      }
    }
    this.invoice = null;
    api.showOnCustomerDisplay(null).catch(() => {});
    return true;
  }

  newSale() {
    this.sale.amount = '';
    this.sale.parts = [];
    this.sale.items = [];
    this.sale.description = '';
    this.invoice = null;
    this.screen = 'charge';
    api.showOnCustomerDisplay(null).catch(() => {});
  }

  settingsSaved(settings: SettingsView) {
    this.settings = settings;
    setLanguage(settings.language);
    // A new default currency applies to the next sale, never under an amount already typed or added.
    if (this.sale.amount === '' && this.sale.parts.length === 0 && this.sale.items.length === 0) this.sale.currency = settings.default_currency;
  }
}
