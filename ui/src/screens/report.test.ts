// Cash sales, refunds and the shift report, through the real App, api.ts and IPC mock.
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { ShiftReport } from '../bindings/ShiftReport';
import { bounds, parseDateValue, periodDays, refundable } from '../lib/report';
import { byId, callsTo, invoiceView, mockBackend, rejection, startApp } from '../test/backend';

type Handlers = Parameters<typeof mockBackend>[0];

async function press(keys: string) {
  for (const key of keys) await fireEvent.click(document.querySelector(`button[data-key="${key}"]`)!);
}

function input(id: string): HTMLInputElement {
  const el = byId(id);
  if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement)) throw new Error(`no field #${id}`);
  return el as HTMLInputElement;
}

const midnight = (y: number, m: number, d: number) => new Date(y, m - 1, d).getTime() / 1000;

describe('report periods', () => {
  test('today, yesterday and this week are whole local days; weeks start on Monday', () => {
    const sunday = new Date(2026, 10, 29, 18, 30); // Sunday 29 November 2026, local time
    expect(periodDays('today', sunday)).toEqual({ from: '2026-11-29', to: '2026-11-29' });
    expect(periodDays('yesterday', sunday)).toEqual({ from: '2026-11-28', to: '2026-11-28' });
    expect(periodDays('week', sunday)).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    const monday = new Date(2026, 10, 23, 0, 5);
    expect(periodDays('week', monday)).toEqual({ from: '2026-11-23', to: '2026-11-23' });
    expect(periodDays('yesterday', new Date(2026, 0, 1, 9))).toEqual({ from: '2025-12-31', to: '2025-12-31' });
  });

  test('dates become [from, to) in Unix seconds, the last day included', () => {
    expect(bounds('2026-11-23', '2026-11-23')).toEqual({ from: midnight(2026, 11, 23), to: midnight(2026, 11, 24) });
    expect(bounds('2026-02-27', '2026-03-01')).toEqual({ from: midnight(2026, 2, 27), to: midnight(2026, 3, 2) });
    expect(bounds('2026-11-24', '2026-11-23')).toBe('reversed');
    expect(bounds('', '2026-11-23')).toBe('missing');
    expect(parseDateValue('2026-02-30')).toBeNull();
    expect(parseDateValue('23/11/2026')).toBeNull();
  });

  test('only sales that took money can be refunded', () => {
    expect(refundable(invoiceView({ status: 'paid' }))).toBe(true);
    expect(refundable(invoiceView({ status: 'paid_late' }))).toBe(true);
    expect(refundable(invoiceView({ status: 'expired_partial' }))).toBe(false);
    expect(refundable(invoiceView({ status: 'underpaid' }))).toBe(false);
    expect(refundable(invoiceView({ status: 'paid', kind: 'cash' }))).toBe(true);
    expect(refundable(invoiceView({ status: 'pending' }))).toBe(false);
    expect(refundable(invoiceView({ status: 'failed' }))).toBe(false);
    expect(refundable(invoiceView({ status: 'paid', kind: 'refund' }))).toBe(false);
  });
});

const REPORT: ShiftReport = {
  from: 0,
  to: 0,
  currencies: [
    {
      currency: 'USD',
      received: '24.68',
      received_count: 2,
      cash: '20.00',
      cash_count: 1,
      refunds: '2.34',
      refund_count: 1,
      net: '42.34',
      tips: '1.50',
    },
  ],
  by_status: [
    { status: 'paid', currency: 'USD', count: 2, total: '24.68' },
    { status: 'failed', currency: 'USD', count: 1, total: '5.00' },
  ],
  by_gateway: [
    { kind: 'sale', gateway: 'dex3', gateway_name: 'Dex3', currency: 'USD', count: 2, total: '24.68', practice: false },
    { kind: 'sale', gateway: 'demo', gateway_name: 'Demo', currency: 'USD', count: 1, total: '9.99', practice: true },
    { kind: 'cash', gateway: 'cash', gateway_name: 'Cash', currency: 'USD', count: 1, total: '20.00', practice: false },
    { kind: 'refund', gateway: 'manual', gateway_name: 'Manual', currency: 'USD', count: 1, total: '2.34', practice: false },
  ],
  taxes: [],
  cashiers: [],
  shifts: [],
  drawer_openings: [],
};

/** The same day with the shop's rules: tax per rate, two cashiers, a shift short and one over. */
const RULES: Pick<ShiftReport, 'taxes' | 'cashiers' | 'shifts'> = {
  taxes: [
    { name: 'VAT', percent: '20', inclusive: true, currency: 'USD', count: 2, net: '5.83', tax: '1.17', gross: '7.00' },
    { name: 'Reduced', percent: '5', inclusive: true, currency: 'USD', count: 1, net: '4.76', tax: '0.24', gross: '5.00' },
  ],
  cashiers: [
    {
      cashier: 'Ana',
      currency: 'USD',
      received: '24.68',
      received_count: 2,
      cash: '20.00',
      cash_count: 1,
      refunds: '2.34',
      refund_count: 1,
      tips: '1.50',
      net: '42.34',
      over_short: '-2.50',
    },
  ],
  shifts: [
    { id: 1, cashier: 'Ana', currency: 'USD', float: '100.00', opened_at: 1_795_400_000, closed_at: 1_795_420_000, counted: '117.50', expected: '120.00', over_short: '-2.50' },
    { id: 2, cashier: 'Ben', currency: 'USD', float: '50.00', opened_at: 1_795_421_000, closed_at: 1_795_430_000, counted: '51.00', expected: '50.00', over_short: '1.00' },
    { id: 3, cashier: 'Ana', currency: 'USD', float: '80.00', opened_at: 1_795_431_000, closed_at: null, counted: null, expected: '80.00', over_short: null },
  ],
};

async function openReport(handlers: Handlers = {}) {
  const calls = await startApp({ shift_report: ({ from, to }) => ({ ...REPORT, from, to }), ...handlers });
  await fireEvent.click(byId('nav-report')!);
  await waitFor(() => expect(byId('screen-report')).not.toBeNull());
  return calls;
}

describe('shift report screen', () => {
  test("opens on today's totals, per currency, status and gateway, with data attributes", async () => {
    const calls = await openReport();
    const today = periodDays('today', new Date());
    await waitFor(() => expect(document.querySelectorAll('.report-row')).toHaveLength(7));
    expect(callsTo(calls, 'shift_report')).toEqual([bounds(today.from, today.to)]);
    expect(input('report-period').value).toBe('today');
    expect([input('report-from').value, input('report-to').value]).toEqual([today.from, today.to]);
    const usd = document.querySelector<HTMLElement>('#report-totals .report-row[data-currency="USD"]')!;
    expect({ ...usd.dataset }).toMatchObject({ received: '24.68', cash: '20.00', refunds: '2.34', net: '42.34' });
    expect(usd.textContent).toContain('42.34 USD');
    expect(usd.textContent).toContain('24.68 USD (2)');
    const failed = document.querySelector<HTMLElement>('.report-row[data-section="status"][data-status="failed"]')!;
    expect(failed.textContent).toContain('Failed');
    const refunds = document.querySelector<HTMLElement>('.report-row[data-section="gateway"][data-kind="refund"]')!;
    expect(refunds.textContent).toContain('Refund');
    expect(refunds.textContent).toContain('−2.34 USD');
    const demo = document.querySelector<HTMLElement>('.report-row[data-section="gateway"][data-gateway="demo"]')!;
    expect(demo.dataset.practice).toBe('true');
    expect(demo.textContent).toContain('Demo (practice, in no total)');
  });

  test('the drawer opened without a sale: time, who and why, only when there was any', async () => {
    await openReport();
    await waitFor(() => expect(document.querySelector('.report-row')).not.toBeNull());
    expect(byId('report-drawer')).toBeNull();
    cleanup();
    clearMocks();
    await openReport({
      shift_report: ({ from, to }) => ({
        ...REPORT,
        drawer_openings: [
          { at: 1_795_436_100, who: 'Ana', reason: 'change for the till' },
          { at: 1_795_439_700, who: 'manager', reason: 'float check' },
        ],
        from,
        to,
      }),
    });
    await waitFor(() => expect(document.querySelectorAll('#report-drawer .report-drawer')).toHaveLength(2));
    const rows = [...document.querySelectorAll<HTMLElement>('#report-drawer .report-drawer')];
    expect(rows.map((r) => [r.dataset.who, r.querySelector('.report-drawer-reason')?.textContent])).toEqual([
      ['Ana', 'change for the till'],
      ['manager', 'float check'],
    ]);
    expect(rows[0].querySelector('th')?.textContent).toMatch(/\d/);
    expect(document.querySelector('#report-drawer')?.previousElementSibling?.textContent).toBe('Drawer opened');
  });

  test('tax per rate, per cashier and the shifts, with short and over in words', async () => {
    await openReport({ shift_report: ({ from, to }) => ({ ...REPORT, ...RULES, from, to }) });
    await waitFor(() => expect(document.querySelectorAll('.report-tax')).toHaveLength(2));
    const vat = document.querySelector<HTMLElement>('#report-taxes .report-tax[data-name="VAT"]')!;
    expect(vat.dataset.tax).toBe('1.17');
    expect(vat.textContent).toContain('VAT 20 % incl.');
    expect(vat.textContent).toContain('5.83 USD');
    expect(vat.textContent).toContain('7.00 USD');
    expect(document.querySelector('.report-tax[data-name="Reduced"]')?.textContent).toContain('0.24 USD');
    const ana = document.querySelector<HTMLElement>('#report-cashiers .report-cashier[data-cashier="Ana"]')!;
    expect(ana.textContent).toContain('20.00 USD (1)');
    expect(ana.textContent).toContain('42.34 USD');
    expect(ana.textContent).toContain('short 2.50 USD');
    const shifts = [...document.querySelectorAll<HTMLElement>('#report-shifts .report-shift')];
    expect(shifts.map((r) => r.querySelector('.over-short')?.textContent?.trim())).toEqual(['short 2.50 USD', 'over 1.00 USD', '—']);
    expect(shifts[0].textContent).toContain('117.50 USD');
    expect(shifts[2].textContent).toContain('Still open');
  });

  test('a period without tax, cashiers or shifts shows none of those sections', async () => {
    await openReport();
    await waitFor(() => expect(byId('report-totals')).not.toBeNull());
    expect([byId('report-taxes'), byId('report-cashiers'), byId('report-shifts')]).toEqual([null, null, null]);
  });

  test('another period asks again; reversed dates explain themselves and ask nothing', async () => {
    const calls = await openReport();
    await waitFor(() => expect(callsTo(calls, 'shift_report')).toHaveLength(1));
    await fireEvent.change(input('report-period'), { target: { value: 'yesterday' } });
    const yesterday = periodDays('yesterday', new Date());
    await waitFor(() => expect(callsTo(calls, 'shift_report').at(-1)).toEqual(bounds(yesterday.from, yesterday.to)));

    await fireEvent.input(input('report-from'), { target: { value: '2026-11-25' } });
    await fireEvent.input(input('report-to'), { target: { value: '2026-11-20' } });
    expect(input('report-period').value).toBe('custom');
    await waitFor(() => expect(byId('report-period-error')?.textContent).toContain('after the end date'));
    expect((byId('report-export') as HTMLButtonElement).disabled).toBe(true);
    const asked = callsTo(calls, 'shift_report').length;
    await fireEvent.input(input('report-to'), { target: { value: '2026-11-26' } });
    await waitFor(() => expect(callsTo(calls, 'shift_report')).toHaveLength(asked + 1));
    expect(callsTo(calls, 'shift_report').at(-1)).toEqual(bounds('2026-11-25', '2026-11-26'));
    expect(byId('report-period-error')).toBeNull();
  });

  test('an empty period says so; a refused one shows the reason', async () => {
    await openReport({ shift_report: () => ({ ...REPORT, currencies: [], by_status: [], by_gateway: [] }) });
    await waitFor(() => expect(byId('report-empty')).not.toBeNull());
    cleanup();
    clearMocks();
    await openReport({ shift_report: () => Promise.reject(rejection('bad_input', 'a report covers at most a year')) });
    await waitFor(() => expect(byId('report-error')?.textContent).toBe('a report covers at most a year'));
  });

  test("a period that is refused leaves no earlier period's totals on screen to read or print", async () => {
    let refuse = false;
    await openReport({
      shift_report: ({ from, to }) =>
        refuse ? Promise.reject(rejection('manager_pin_required', 'a manager must unlock this')) : { ...REPORT, from, to },
      // The PIN dialog is cancelled.
      manager_status: () => ({ pin_set: true, unlocked: false, locked_out_seconds: 0 }),
    });
    await waitFor(() => expect(document.querySelectorAll('.report-row')).toHaveLength(7));
    refuse = true;
    await fireEvent.change(input('report-period'), { target: { value: 'yesterday' } });
    await waitFor(() => expect(document.querySelectorAll('.report-row')).toHaveLength(0));
    expect((byId('report-print') as HTMLButtonElement).disabled).toBe(true);
  });

  test('export saves the same period as CSV and says where; print opens the print dialog', async () => {
    const calls = await openReport({
      export_report_csv: () => '/home/till/Downloads/paydesk-report.csv',
      print_page: () => null,
    });
    await waitFor(() => expect(document.querySelectorAll('.report-row').length).toBeGreaterThan(0));
    await fireEvent.click(byId('report-export')!);
    await waitFor(() => expect(byId('report-export-result')?.textContent).toContain('paydesk-report.csv'));
    const today = periodDays('today', new Date());
    expect(callsTo(calls, 'export_report_csv')).toEqual([bounds(today.from, today.to)]);
    await fireEvent.click(byId('report-print')!);
    await waitFor(() => expect(callsTo(calls, 'print_page')).toHaveLength(1));
  });
});

const CASH = invoiceView({
  id: 9,
  order_id: 'PD-CASH-20261123-AAAA',
  gateway: 'cash',
  gateway_name: 'Cash',
  amount: '12.00',
  kind: 'cash',
  status: 'paid',
  is_final: true,
  pay_link: null,
});

describe('cash sale from the Charge screen', () => {
  test('opens with the typed amount, records it without charging, and clears the keypad', async () => {
    const calls = await startApp({ record_cash_sale: () => CASH });
    await press('12');
    await fireEvent.input(input('description'), { target: { value: 'Table 4' } });
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(byId('cash-dialog')).not.toBeNull());
    expect(input('cash-amount').value).toBe('12');
    expect(input('cash-currency').value).toBe('USD');
    expect(input('cash-description').value).toBe('Table 4');
    expect(document.activeElement).toBe(byId('cash-amount'));
    expect(byId('screen-charge')!.inert).toBe(true);
    expect(document.querySelector<HTMLElement>('.topbar')!.inert).toBe(true);

    // Keys typed in the dialog stay there: Enter saves the dialog, never charges the keypad's sale.
    await fireEvent.input(input('cash-amount'), { target: { value: '12.00' } });
    await fireEvent.keyDown(input('cash-amount'), { key: 'Enter' });
    await fireEvent.keyDown(byId('cash-dialog')!, { key: '5' });
    expect(callsTo(calls, 'charge')).toEqual([]);
    expect(byId('amount')?.textContent).toBe('12');
    await fireEvent.submit(input('cash-amount').form!);
    await waitFor(() => expect(byId('cash-dialog')).toBeNull());
    expect(callsTo(calls, 'charge')).toEqual([]);
    expect(callsTo(calls, 'record_cash_sale')).toEqual([{ amount: '12.00', currency: 'USD', description: 'Table 4' }]);
    expect(byId('cash-result')?.textContent).toContain('PD-CASH-20261123-AAAA');
    expect(byId('amount')?.textContent).toBe('');
    expect(input('description').value).toBe('');
    expect(byId('screen-charge')!.inert).toBe(false);
    expect(document.querySelector<HTMLElement>('.topbar')!.inert).toBe(false);
  });

  test('a refused cash sale keeps the dialog with the reason; Esc closes it and keeps the sale', async () => {
    const calls = await startApp({
      record_cash_sale: () => Promise.reject(rejection('bad_amount', 'USD takes at most 2 decimal places')),
    });
    await press('7');
    byId('record-cash')!.focus(); // as a keyboard user reaches it
    await fireEvent.click(byId('record-cash')!);
    await fireEvent.input(input('cash-amount'), { target: { value: '7.001' } });
    await fireEvent.click(byId('cash-save')!);
    await waitFor(() => expect(byId('cash-error')?.textContent).toBe('USD takes at most 2 decimal places'));
    expect(byId('cash-dialog')).not.toBeNull();
    expect(callsTo(calls, 'record_cash_sale')).toHaveLength(1);
    await fireEvent.keyDown(byId('cash-dialog')!, { key: 'Escape' });
    await waitFor(() => expect(byId('cash-dialog')).toBeNull());
    expect(byId('amount')?.textContent).toBe('7');
    expect(document.activeElement).toBe(byId('record-cash'));
  });
});

const PAID = invoiceView({ id: 2, order_id: 'PD-PAID', status: 'paid', is_final: true });
const PENDING = invoiceView({ id: 3, order_id: 'PD-PENDING', status: 'pending' });
const REFUND = invoiceView({
  id: 4,
  order_id: 'PD-REF-20261123-BBBB',
  gateway: 'manual',
  gateway_name: 'Manual',
  amount: '2.34',
  kind: 'refund',
  refund_of: 'PD-PAID',
  status: 'paid',
  is_final: true,
  pay_link: null,
});

async function openHistory(handlers: Handlers = {}, list: InvoiceView[] = [REFUND, CASH, PAID, PENDING]) {
  const calls = await startApp({ history: () => list, ...handlers });
  await fireEvent.click(byId('nav-history')!);
  await waitFor(() => expect(document.querySelectorAll('.history-row')).toHaveLength(list.length));
  return calls;
}

function row(orderId: string): HTMLElement {
  return document.querySelector<HTMLElement>(`.history-row[data-order-id="${orderId}"]`)!;
}

describe('refunds from History', () => {
  test('cash sales and refunds say what they are in words; only sales that took money offer a refund', async () => {
    await openHistory();
    expect(row('PD-CASH-20261123-AAAA').dataset.kind).toBe('cash');
    expect(row('PD-CASH-20261123-AAAA').textContent).toContain('Cash sale');
    expect(row('PD-REF-20261123-BBBB').textContent).toContain('Refund');
    expect(row('PD-REF-20261123-BBBB').textContent).toContain('−2.34 USD');
    expect(row('PD-REF-20261123-BBBB').textContent).toContain('refund of PD-PAID');
    const offered = [...document.querySelectorAll('.refund-row')].map((b) => b.closest<HTMLElement>('.history-row')!.dataset.orderId);
    expect(offered).toEqual(['PD-CASH-20261123-AAAA', 'PD-PAID']);
  });

  test("a row's refund names the sale, needs a reason, and records what was typed", async () => {
    const calls = await openHistory({ record_refund: () => REFUND });
    await fireEvent.click(row('PD-PAID').querySelector('.refund-row')!);
    await waitFor(() => expect(byId('refund-dialog')).not.toBeNull());
    expect(callsTo(calls, 'follow_invoice')).toEqual([]); // the row's own click did not open the sale
    expect(input('refund-original').value).toBe('PD-PAID');
    expect(input('refund-amount').value).toBe('12.34');
    expect((byId('refund-currency') as HTMLSelectElement).disabled).toBe(true);

    await fireEvent.click(byId('refund-save')!);
    await waitFor(() => expect(byId('refund-error')?.textContent).toContain('why'));
    expect(callsTo(calls, 'record_refund')).toEqual([]);

    await fireEvent.input(input('refund-amount'), { target: { value: '2.34' } });
    await fireEvent.input(input('refund-reason'), { target: { value: 'Damaged box' } });
    await fireEvent.click(byId('refund-save')!);
    await waitFor(() => expect(byId('refund-dialog')).toBeNull());
    expect(callsTo(calls, 'record_refund')).toEqual([
      { amount: '2.34', currency: 'USD', reason: 'Damaged box', original: 'PD-PAID' },
    ]);
    expect(byId('refund-result')?.textContent).toContain('PD-REF-20261123-BBBB');
    expect(callsTo(calls, 'history').length).toBeGreaterThan(1); // the list was read again
  });

  test('on a locked till the PIN dialog opens over the refund, then hands it back', async () => {
    let unlocked = false;
    const calls = await openHistory({
      unlock: () => {
        unlocked = true;
        return { pin_set: true, unlocked: true, locked_out_seconds: 0 };
      },
      record_refund: () => {
        if (!unlocked) throw rejection('manager_pin_required', 'a manager must unlock this with the manager PIN');
        return REFUND;
      },
    });
    await fireEvent.click(byId('record-refund')!);
    await fireEvent.input(input('refund-amount'), { target: { value: '1' } });
    await fireEvent.input(input('refund-reason'), { target: { value: 'Goodwill' } });
    byId('refund-save')!.focus();
    await fireEvent.click(byId('refund-save')!);
    await waitFor(() => expect(byId('pin-dialog')).not.toBeNull());
    const inert = (el: HTMLElement | null): boolean => el !== null && (el.inert || inert(el.parentElement));
    expect(inert(byId('refund-dialog'))).toBe(true);
    expect(document.activeElement).toBe(byId('pin-input'));

    await fireEvent.input(byId('pin-input')!, { target: { value: '2468' } });
    await fireEvent.click(byId('pin-submit')!);
    await waitFor(() => expect(byId('refund-dialog')).toBeNull());
    expect(byId('pin-dialog')).toBeNull();
    expect(callsTo(calls, 'record_refund')).toHaveLength(2);
    expect(document.querySelector('header')!.inert).toBe(false);
    expect(document.querySelector('main')!.inert).toBe(false);
  });

  test('a PIN dialog cancelled over a refund hands focus back to the refund dialog', async () => {
    await openHistory({
      record_refund: () => Promise.reject(rejection('manager_pin_required', 'a manager must unlock this')),
    });
    await fireEvent.click(byId('record-refund')!);
    await fireEvent.input(input('refund-amount'), { target: { value: '1' } });
    await fireEvent.input(input('refund-reason'), { target: { value: 'Goodwill' } });
    byId('refund-save')!.focus();
    await fireEvent.click(byId('refund-save')!);
    await waitFor(() => expect(byId('pin-dialog')).not.toBeNull());
    await fireEvent.click(byId('pin-cancel')!);
    await waitFor(() => expect(byId('pin-dialog')).toBeNull());
    await waitFor(() => expect(byId('refund-dialog')?.contains(document.activeElement)).toBe(true));
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    await waitFor(() => expect(byId('refund-dialog')).toBeNull());
  });

  test('Record refund starts empty; a refusal is shown in the dialog and nothing closes', async () => {
    const calls = await openHistory({
      record_refund: () => Promise.reject(rejection('bad_input', 'PD-PAID was paid in USD: refund it in USD, not EUR')),
    });
    await fireEvent.click(byId('record-refund')!);
    expect(input('refund-original').value).toBe('');
    expect(input('refund-amount').value).toBe('');
    await fireEvent.input(input('refund-amount'), { target: { value: '1' } });
    await fireEvent.change(input('refund-currency'), { target: { value: 'EUR' } });
    await fireEvent.input(input('refund-reason'), { target: { value: 'Goodwill' } });
    await fireEvent.input(input('refund-original'), { target: { value: 'PD-PAID' } });
    await fireEvent.click(byId('refund-save')!);
    await waitFor(() => expect(byId('refund-error')?.textContent).toContain('refund it in USD'));
    expect(callsTo(calls, 'record_refund')).toEqual([
      { amount: '1', currency: 'EUR', reason: 'Goodwill', original: 'PD-PAID' },
    ]);
    expect(byId('refund-dialog')).not.toBeNull();
    await fireEvent.click(byId('refund-cancel')!);
    await waitFor(() => expect(byId('refund-dialog')).toBeNull());
  });
});
