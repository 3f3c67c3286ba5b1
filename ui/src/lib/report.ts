// The shift report's periods and what can be refunded. Periods are whole local days: the UI turns
// them into Unix seconds [from, to) (local midnight to local midnight, so a DST day is 23 or 25 h),
// and the backend only checks and sums.
import type { InvoiceStatus } from '../bindings/InvoiceStatus';
import type { InvoiceView } from '../bindings/InvoiceView';

export type Period = 'today' | 'yesterday' | 'week' | 'custom';
export const PERIODS: readonly Period[] = ['today', 'yesterday', 'week', 'custom'];

/** Statuses in which a sale took its whole amount, so a refund may name it (as the ledger's RECEIVED;
 *  a part-paid sale's refund is recorded on its own, as the backend says). */
export const REFUNDABLE: readonly InvoiceStatus[] = ['paid', 'overpaid', 'paid_late'];

/** A sale (gateway or cash) that took money: History offers to refund it. */
export function refundable(row: InvoiceView): boolean {
  return row.kind !== 'refund' && REFUNDABLE.includes(row.status);
}

function day(date: Date, plusDays = 0): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + plusDays);
}

/** A local date as an `<input type="date">` value: "2026-11-23". */
export function dateValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "2026-11-23" as that day's local midnight; null for anything else. */
export function parseDateValue(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, date] = match.slice(1).map(Number);
  const parsed = new Date(year, month - 1, date);
  // new Date rolls 2026-02-30 over into March: such a date is refused, not moved.
  return parsed.getMonth() === month - 1 && parsed.getDate() === date ? parsed : null;
}

/** The first and last day (both included) of a preset period; weeks start on Monday. */
export function periodDays(period: Exclude<Period, 'custom'>, now: Date): { from: string; to: string } {
  const today = day(now);
  switch (period) {
    case 'today':
      return { from: dateValue(today), to: dateValue(today) };
    case 'yesterday':
      return { from: dateValue(day(now, -1)), to: dateValue(day(now, -1)) };
    case 'week':
      return { from: dateValue(day(now, -((today.getDay() + 6) % 7))), to: dateValue(today) };
  }
}

export type Bounds = { from: number; to: number };

/** The Unix seconds [from, to) of the local days `fromDay` to `toDay`, both included. */
export function bounds(fromDay: string, toDay: string): Bounds | 'missing' | 'reversed' {
  const [first, last] = [parseDateValue(fromDay), parseDateValue(toDay)];
  if (!first || !last) return 'missing';
  if (first > last) return 'reversed';
  const end = day(last, 1);
  return { from: Math.floor(first.getTime() / 1000), to: Math.floor(end.getTime() / 1000) };
}
