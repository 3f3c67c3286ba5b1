// Words and numbers as the cashier reads them.
import type { InvoiceStatus } from '../bindings/InvoiceStatus';
import { shown } from './keypad';

export const STATUS_LABEL: Record<InvoiceStatus, string> = {
  creating: 'Creating',
  pending: 'Waiting for payment',
  confirming: 'Confirming payment',
  paid: 'Paid',
  underpaid: 'Underpaid',
  overpaid: 'Overpaid',
  expired: 'Expired',
  failed: 'Failed',
  cancelled: 'Cancelled',
  unknown: 'Unknown',
};

export interface EndState {
  title: string;
  detail: string;
}

// Underpaid and unknown are not final for the backend (it keeps following them), but the cashier
// must act on them now, so they get an end state too.
const END_STATES: Partial<Record<InvoiceStatus, EndState>> = {
  paid: { title: 'Paid', detail: 'The payment is complete.' },
  overpaid: { title: 'Paid (overpaid)', detail: 'The customer paid more than asked. Settle the difference as your shop does.' },
  underpaid: {
    title: 'Underpaid',
    detail: 'The customer paid less than asked. They can pay the rest with the same link, or settle it another way.',
  },
  expired: { title: 'Expired', detail: 'No payment arrived in time. Start a new sale to charge again.' },
  failed: { title: 'Failed', detail: 'This invoice did not go through. Start a new sale to try again.' },
  cancelled: {
    title: 'Cancelled: check manually',
    detail: "The gateway reports this invoice as cancelled. Check the gateway's dashboard before charging again.",
  },
  unknown: {
    title: 'Unknown: check manually',
    detail: "Paydesk cannot tell what happened to this invoice. Check the gateway's dashboard before charging again, so nobody pays twice.",
  },
};

export function endState(status: InvoiceStatus): EndState | null {
  return END_STATES[status] ?? null;
}

/** What the cashier can do about an error, beyond the backend's message. */
const ERROR_HINTS: Record<string, string> = {
  missing_credential: 'Add the missing credentials in Settings, or use the Demo gateway.',
  gateway_unauthorized: 'Check the credentials in Settings.',
  network: 'Check the internet connection, then try again.',
  timeout: 'The gateway did not answer in time. Look in History before charging again: an invoice may exist.',
  keyring_unavailable: 'Unlock the system keyring, or set the credentials as PAYDESK_<GATEWAY>_<FIELD> environment variables.',
  unsupported: 'Pick another gateway or currency.',
};

export function errorHint(code: string): string | null {
  return ERROR_HINTS[code] ?? null;
}

/** Sales History can try again: the backend asks the gateway first, then re-sends under the same order id. */
export const RETRYABLE: readonly InvoiceStatus[] = ['failed', 'unknown'];

// After these the invoice may exist on the gateway, so the ledger keeps the sale as "unknown".
const SALE_MAY_EXIST = ['network', 'timeout', 'gateway_bad_response'];

export const SALE_KEPT_HINT =
  'Paydesk kept this sale in History. Retry it from there instead of charging again: the retry re-uses the same order, so the customer is not charged twice.';

/** A failed charge's hint: "try again" would mean a second order when the first may exist. */
export function chargeErrorHint(code: string): string | null {
  return SALE_MAY_EXIST.includes(code) ? SALE_KEPT_HINT : errorHint(code);
}

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
