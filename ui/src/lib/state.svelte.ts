// The app's shared state: what bootstrap said, which screen is up, the sale being typed and the
// invoice on screen. One instance per app, created once bootstrap has answered.
import type { Bootstrap } from '../bindings/Bootstrap';
import type { CurrencyView } from '../bindings/CurrencyView';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { GatewayView } from '../bindings/GatewayView';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { SettingsView } from '../bindings/SettingsView';

export type Screen = 'charge' | 'invoice' | 'history' | 'settings';

export interface Sale {
  /** As typed, with "." as the decimal mark (see keypad.ts). */
  amount: string;
  /** Amounts already added with "+", as check_amount normalised them ("3.50"); charged with the entry. */
  parts: string[];
  currency: string;
  gateway: string;
  description: string;
}

export class AppState {
  readonly gateways: GatewayView[];
  readonly currencies: CurrencyView[];
  settings: SettingsView;
  screen: Screen = $state('charge');
  invoice: InvoiceView | null = $state(null);
  /** Why following the invoice on screen could not be resumed. */
  followError: ErrorReply | null = $state(null);
  sale: Sale;

  constructor(boot: Bootstrap) {
    this.gateways = boot.gateways;
    this.currencies = boot.currencies;
    this.settings = $state(boot.settings);
    const { last_gateway, default_gateway, default_currency } = boot.settings;
    const gateway = [last_gateway, default_gateway].find((id) => id && this.gateway(id)) ?? boot.gateways[0]?.id ?? '';
    this.sale = $state({ amount: '', parts: [], currency: default_currency, gateway, description: '' });
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
    this.sale.description = '';
    this.showInvoice(invoice);
  }

  showInvoice(invoice: InvoiceView) {
    this.invoice = invoice;
    this.followError = null;
    this.screen = 'invoice';
  }

  /** An `invoice-updated` event or a follow answer; only the invoice on screen changes. */
  update(invoice: InvoiceView) {
    const current = this.invoice;
    if (current?.order_id !== invoice.order_id) return;
    // Events and command answers can cross; once final, an invoice never goes back.
    if (current.is_final && !invoice.is_final) return;
    this.invoice = invoice;
  }

  newSale() {
    this.sale.amount = '';
    this.sale.parts = [];
    this.sale.description = '';
    this.invoice = null;
    this.screen = 'charge';
  }

  settingsSaved(settings: SettingsView) {
    this.settings = settings;
    // A new default currency applies to the next sale, never under an amount already typed or added.
    if (this.sale.amount === '' && this.sale.parts.length === 0) this.sale.currency = settings.default_currency;
  }
}
