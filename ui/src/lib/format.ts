// Words and numbers as the cashier reads them.
import type { GatewayView } from '../bindings/GatewayView';
import type { InvoiceKind } from '../bindings/InvoiceKind';
import type { InvoiceStatus } from '../bindings/InvoiceStatus';
import { en, t, type Key } from './i18n.svelte';
import { shown } from './keypad';

/** A status as the cashier reads it, in the current language. */
export function statusLabel(status: InvoiceStatus): string {
  return t(`status.${status}`);
}

export interface EndState {
  title: string;
  detail: string;
}

// Underpaid and unknown are not final for the backend (it keeps following them), but the cashier
// must act on them now, so they get an end state too. Each is [title, detail].
const END_STATES: Partial<Record<InvoiceStatus, [Key, Key]>> = {
  paid: ['end.paid.title', 'end.paid.detail'],
  overpaid: ['end.overpaid.title', 'end.overpaid.detail'],
  underpaid: ['end.underpaid.title', 'end.underpaid.detail'],
  paid_late: ['status.paid_late', 'status.paid_late.guide'],
  expired: ['end.expired.title', 'end.expired.detail'],
  expired_partial: ['status.expired_partial', 'status.expired_partial.guide'],
  failed: ['end.failed.title', 'end.failed.detail'],
  cancelled: ['end.cancelled.title', 'end.cancelled.detail'],
  unknown: ['end.unknown.title', 'end.unknown.detail'],
};

/** Cash sales and refunds are recorded by hand, already settled: they say what they were instead. */
const KIND_END_STATES: Record<Exclude<InvoiceKind, 'sale'>, [Key, Key]> = {
  cash: ['end.cash.title', 'end.cash.detail'],
  refund: ['end.refund.title', 'end.refund.detail'],
};

export function endState(status: InvoiceStatus, kind: InvoiceKind = 'sale'): EndState | null {
  const keys = kind === 'sale' ? END_STATES[status] : KIND_END_STATES[kind];
  return keys ? { title: t(keys[0]), detail: t(keys[1]) } : null;
}

/** Error codes the cashier can do something about, beyond the backend's message. */
const HINTED_CODES = [
  'missing_credential',
  'gateway_unauthorized',
  'network',
  'timeout',
  'gateway_unavailable',
  'sale_unknown',
  'retry_unsafe',
  'amount_mismatch',
  'keyring_unavailable',
  'unsupported',
  'shop_unreachable',
] as const;
type HintedCode = (typeof HINTED_CODES)[number];

export function errorHint(code: string): string | null {
  return (HINTED_CODES as readonly string[]).includes(code) ? t(`hint.${code as HintedCode}`) : null;
}

/** Sales History can try again: the backend asks the gateway first, then re-sends under the same order id. */
export const RETRYABLE: readonly InvoiceStatus[] = ['failed', 'unknown'];

/** The create's answer was lost (timeout, reset, 5xx, unreadable body): the gateway may hold a live
 *  invoice, so the ledger keeps the sale `unknown`, nothing may be taken another way (the customer
 *  could pay both), and the sale is checked instead (the error names it). */
export const SALE_MAY_EXIST: readonly string[] = ['sale_unknown'];

/** Nothing reached the gateway (no connection could be made): the sale is `failed`, and taking the
 *  amount as cash is safe. */
export const NOTHING_SENT: readonly string[] = ['network'];

/** The English text of the hint after a charge whose answer was lost (tests compare with it). */
export const SALE_UNKNOWN_HINT: string = en['hint.sale_unknown'];

/** "12.34 USD", or "12,34 USD" with the decimal comma setting. */
export function money(amount: string, currency: string, decimalComma: boolean): string {
  return `${shown(amount, decimalComma)} ${currency}`;
}

/** Seconds left as mm:ss (minutes may pass 59). */
export function mmss(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function sameLocalDay(unixSeconds: number, now: Date): boolean {
  return new Date(unixSeconds * 1000).toDateString() === now.toDateString();
}

export function timeText(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function dateTimeText(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/** A tax rate as the cashier reads it: "VAT 20 % incl.", "Sales tax 7,25 % added". */
export function taxRateLabel(name: string, percent: string, inclusive: boolean, decimalComma: boolean): string {
  return `${name} ${t(inclusive ? 'quote.included' : 'quote.added', { percent: shown(percent, decimalComma) })}`;
}

/** The note for a sale the gateway cannot take in its currency: the till converts it (the quote
 *  says at which rate, or why it cannot); null when no conversion applies. */
export function conversionNote(gateway: GatewayView | undefined, currency: string, charged: string | undefined) {
  if (!gateway?.currencies || gateway.currencies.includes(currency)) return null;
  return t('charge.currency_converted', { gateway: gateway.name, currency: charged ?? gateway.currencies.join(', ') });
}
