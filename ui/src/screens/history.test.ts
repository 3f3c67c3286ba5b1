import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { InvoiceView } from '../bindings/InvoiceView';
import {
  bootstrapReply,
  byId,
  callsTo,
  deferred,
  invoiceView,
  mockBackend,
  rejection,
  startApp,
} from '../test/backend';

const now = Math.floor(Date.now() / 1000);
const TODAY = invoiceView({ id: 2, order_id: 'PD-TODAY', created_at: now, status: 'pending' });
const OLD = invoiceView({
  id: 1,
  order_id: 'PD-OLD',
  amount: '5.00',
  created_at: now - 3 * 86400,
  status: 'paid',
  is_final: true,
});

async function openHistory(handlers: Parameters<typeof mockBackend>[0] = {}, list: InvoiceView[] = [TODAY, OLD]) {
  const calls = await startApp({ history: () => list, ...handlers });
  await fireEvent.click(byId('nav-history')!);
  await waitFor(() => expect(document.querySelectorAll('.history-row')).toHaveLength(list.length));
  return calls;
}

const FAILED = invoiceView({
  id: 3,
  order_id: 'PD-FAILED',
  status: 'failed',
  pay_link: null,
  expires_at: null,
  gateway_invoice_id: null,
  last_error: 'Demo refused the invoice',
  is_final: true,
});
const UNKNOWN = invoiceView({ id: 4, order_id: 'PD-UNKNOWN', status: 'unknown', pay_link: null, expires_at: null });

function row(orderId: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`.history-row[data-order-id="${orderId}"]`);
  if (!found) throw new Error(`no history row ${orderId}`);
  return found;
}

function retryButton(orderId: string): HTMLButtonElement | null {
  return row(orderId).querySelector<HTMLButtonElement>('button.retry');
}

/** The retry error shown next to (not inside) the row of `orderId`. */
function retryError(orderId: string): string | null {
  return row(orderId).parentElement?.querySelector('.retry-error')?.textContent ?? null;
}

describe('history', () => {
  test('groups today before earlier sales, each row with its order id and status', async () => {
    await openHistory();
    const titles = [...document.querySelectorAll('.group-title')].map((h) => h.textContent);
    expect(titles).toEqual(['Today', 'Earlier']);
    const rows = [...document.querySelectorAll<HTMLElement>('.history-row')];
    expect(rows.map((r) => [r.dataset.orderId, r.dataset.status])).toEqual([
      ['PD-TODAY', 'pending'],
      ['PD-OLD', 'paid'],
    ]);
    expect(rows[1].textContent).toContain('Paid');
  });

  test('search is sent to the backend after a pause, with a decimal comma read as a point', async () => {
    const calls = await openHistory({ bootstrap: () => bootstrapReply({ decimal_comma: true }) });
    await fireEvent.input(byId('history-search')!, { target: { value: '12,3' } });
    await fireEvent.input(byId('history-search')!, { target: { value: '12,34' } });
    await waitFor(() => expect(callsTo(calls, 'history').at(-1)).toEqual({ search: '12.34', limit: 100, offset: 0 }));
    expect(callsTo(calls, 'history').map((a) => a.search)).toEqual(['', '12.34']);
  });

  test('a row that is not final opens its invoice and resumes following it', async () => {
    const calls = await openHistory({ follow_invoice: () => ({ ...TODAY, status: 'confirming' }) });
    await fireEvent.click(document.querySelector('[data-order-id="PD-TODAY"]')!);
    await waitFor(() => expect(byId('status')?.dataset.status).toBe('confirming'));
    expect(callsTo(calls, 'follow_invoice')).toEqual([{ key: 'PD-TODAY' }]);
  });

  test('a final row opens without following', async () => {
    const calls = await openHistory();
    await fireEvent.click(document.querySelector('[data-order-id="PD-OLD"]')!);
    await waitFor(() => expect(byId('end-state')?.dataset.status).toBe('paid'));
    expect(callsTo(calls, 'follow_invoice')).toEqual([]);
  });

  test('only failed and unknown rows offer Retry', async () => {
    const statuses = ['pending', 'confirming', 'paid', 'expired', 'cancelled', 'failed', 'unknown'] as const;
    await openHistory(
      {},
      statuses.map((status, i) => invoiceView({ id: i + 1, order_id: `PD-${status}`, status })),
    );
    const offered = statuses.filter((status) => retryButton(`PD-${status}`) !== null);
    expect(offered).toEqual(['failed', 'unknown']);
    expect(retryButton('PD-unknown')?.textContent).toBe('Retry');
  });

  test('Retry sends one retry_invoice for the order even on a double click, then opens the invoice', async () => {
    const reply = deferred<InvoiceView>();
    const calls = await openHistory({ retry_invoice: () => reply.promise }, [UNKNOWN, OLD]);
    const button = retryButton('PD-UNKNOWN')!;
    await fireEvent.click(button);
    await fireEvent.click(button);
    await fireEvent.dblClick(button);
    expect(button.disabled).toBe(true);
    expect(callsTo(calls, 'retry_invoice')).toEqual([{ key: 'PD-UNKNOWN' }]);
    // Retry is not also an open: no follow, no invoice screen while it is in flight.
    expect(callsTo(calls, 'follow_invoice')).toEqual([]);
    expect(byId('screen-history')).not.toBeNull();

    reply.resolve({
      ...UNKNOWN,
      status: 'pending',
      pay_link: 'http://127.0.0.1:8787/demo/pay/demo-4',
      expires_at: Math.floor(Date.now() / 1000) + 600,
    });
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
    expect(byId('status')?.dataset.status).toBe('pending');
    expect(byId('pay-link')?.textContent).toBe('http://127.0.0.1:8787/demo/pay/demo-4');
    expect(callsTo(calls, 'retry_invoice')).toHaveLength(1);
    expect(callsTo(calls, 'follow_invoice')).toEqual([]);
  });

  test("a retryable row's own button opens it once, as the keyboard does", async () => {
    const calls = await openHistory({ follow_invoice: () => UNKNOWN }, [UNKNOWN, OLD]);
    await fireEvent.click(row('PD-UNKNOWN').querySelector('button.row-open')!);
    await waitFor(() => expect(byId('status')?.dataset.status).toBe('unknown'));
    expect(callsTo(calls, 'follow_invoice')).toEqual([{ key: 'PD-UNKNOWN' }]);
    expect(callsTo(calls, 'retry_invoice')).toEqual([]);
  });

  test('a failed retry shows the backend message by its row and Retry works again', async () => {
    let attempt = 0;
    const calls = await openHistory(
      {
        retry_invoice: () => {
          attempt += 1;
          throw rejection('network', `could not reach Demo (attempt ${attempt})`);
        },
      },
      [FAILED, UNKNOWN],
    );
    await fireEvent.click(retryButton('PD-FAILED')!);
    await waitFor(() => expect(retryError('PD-FAILED')).toBe('could not reach Demo (attempt 1)'));
    expect(retryError('PD-UNKNOWN')).toBeNull();
    expect(byId('screen-history')).not.toBeNull();
    expect(retryButton('PD-FAILED')?.disabled).toBe(false);

    await fireEvent.click(retryButton('PD-FAILED')!);
    await waitFor(() => expect(retryError('PD-FAILED')).toBe('could not reach Demo (attempt 2)'));
    expect(document.querySelectorAll('.retry-error')).toHaveLength(1);
    expect(callsTo(calls, 'retry_invoice')).toEqual([{ key: 'PD-FAILED' }, { key: 'PD-FAILED' }]);
  });

  test('CSV export says where the file went, or why it did not', async () => {
    let fail = false;
    await openHistory({
      export_csv: () => {
        if (fail) throw rejection('bad_input', 'could not write /home/till/Downloads/x.csv: disk full');
        return '/home/till/Downloads/paydesk-invoices-2026-11-23.csv';
      },
    });
    await fireEvent.click(byId('export-csv')!);
    await waitFor(() =>
      expect(byId('export-result')?.textContent).toBe('Saved to /home/till/Downloads/paydesk-invoices-2026-11-23.csv'),
    );
    fail = true;
    await fireEvent.click(byId('export-csv')!);
    await waitFor(() => expect(byId('screen-history')?.textContent).toContain('disk full'));
    expect(byId('export-result')).toBeNull();
  });

  test('a manager marks an open sale paid or not paid from the dashboard, with the reason', async () => {
    const settled = { ...UNKNOWN, status: 'paid' as const, is_final: true, gateway_status: 'settled by hand' };
    const calls = await openHistory({ settle_invoice: () => settled }, [UNKNOWN, FAILED]);
    expect(row('PD-FAILED').querySelector('.settle-row')).toBeNull();
    const paid = row('PD-UNKNOWN').querySelector<HTMLButtonElement>('.settle-row[data-paid="true"]')!;
    expect(row('PD-UNKNOWN').querySelector('.settle-row[data-paid="false"]')).not.toBeNull();
    await fireEvent.click(paid);
    await waitFor(() => expect(byId('settle-dialog')).not.toBeNull());
    // A reason is required: nothing is sent without one.
    await fireEvent.click(byId('settle-save')!);
    await waitFor(() => expect(byId('settle-error')?.textContent).toContain('Say why'));
    expect(callsTo(calls, 'settle_invoice')).toHaveLength(0);
    await fireEvent.input(byId('settle-reason')!, { target: { value: ' seen paid on the dashboard ' } });
    await fireEvent.click(byId('settle-save')!);
    await waitFor(() => expect(byId('settle-dialog')).toBeNull());
    expect(callsTo(calls, 'settle_invoice')).toEqual([
      { key: 'PD-UNKNOWN', paid: true, reason: 'seen paid on the dashboard' },
    ]);
    await waitFor(() => expect(row('PD-UNKNOWN').dataset.status).toBe('paid'));
    expect(row('PD-UNKNOWN').querySelector('.settle-row')).toBeNull();
  });

  test('a refused verdict (a locked till, a final sale) shows the backend message and keeps the dialog', async () => {
    await openHistory(
      {
        settle_invoice: () => {
          throw rejection('already_final', 'sale PD-UNKNOWN is already paid: there is nothing left to wait for');
        },
      },
      [UNKNOWN],
    );
    await fireEvent.click(row('PD-UNKNOWN').querySelector<HTMLButtonElement>('.settle-row[data-paid="false"]')!);
    await waitFor(() => expect(byId('settle-dialog')).not.toBeNull());
    await fireEvent.input(byId('settle-reason')!, { target: { value: 'not on the dashboard' } });
    await fireEvent.click(byId('settle-save')!);
    await waitFor(() => expect(byId('settle-error')?.textContent).toContain('already paid'));
    expect(byId('settle-dialog')).not.toBeNull();
  });

  test('Mark paid / Mark not paid are offered on open gateway sales only', async () => {
    const statuses = ['pending', 'confirming', 'underpaid', 'unknown', 'paid', 'expired', 'failed', 'cancelled'] as const;
    const sales = statuses.map((status, i) => invoiceView({ id: i + 1, order_id: `PD-${status}`, status }));
    const cash = invoiceView({ id: 20, order_id: 'PD-CASH', status: 'paid', kind: 'cash', is_final: true });
    await openHistory({}, [...sales, cash]);
    const offered = statuses.filter((status) => row(`PD-${status}`).querySelector('.settle-row') !== null);
    expect(offered).toEqual(['pending', 'confirming', 'underpaid', 'unknown']);
    expect(row('PD-CASH').querySelector('.settle-row')).toBeNull();
    const labels = [...row('PD-pending').querySelectorAll('.settle-row')].map((b) => b.textContent);
    expect(labels).toEqual(['Mark paid', 'Mark not paid']);
  });

  test('on a locked till, Mark not paid asks for the manager PIN, then records the verdict', async () => {
    let unlocked = false;
    const cancelled = { ...UNKNOWN, status: 'cancelled' as const, is_final: true, gateway_status: 'settled by hand' };
    const calls = await openHistory(
      {
        unlock: () => {
          unlocked = true;
          return { pin_set: true, unlocked: true, locked_out_seconds: 0 };
        },
        settle_invoice: () => {
          if (!unlocked) throw rejection('manager_pin_required', 'a manager must unlock this with the manager PIN');
          return cancelled;
        },
      },
      [UNKNOWN],
    );
    await fireEvent.click(row('PD-UNKNOWN').querySelector<HTMLButtonElement>('.settle-row[data-paid="false"]')!);
    await waitFor(() => expect(byId('settle-dialog')).not.toBeNull());
    expect(byId('settle-dialog')?.textContent).toContain('Mark PD-UNKNOWN not paid');
    await fireEvent.input(byId('settle-reason')!, { target: { value: 'not on the Demo dashboard' } });
    byId('settle-save')!.focus();
    await fireEvent.click(byId('settle-save')!);
    await waitFor(() => expect(byId('pin-dialog')).not.toBeNull());
    expect(document.activeElement).toBe(byId('pin-input'));
    await fireEvent.input(byId('pin-input')!, { target: { value: '2468' } });
    await fireEvent.click(byId('pin-submit')!);
    await waitFor(() => expect(byId('settle-dialog')).toBeNull());
    expect(byId('pin-dialog')).toBeNull();
    expect(callsTo(calls, 'unlock')).toEqual([{ pin: '2468' }]);
    // Sent again once unlocked, with the same verdict and reason.
    expect(callsTo(calls, 'settle_invoice')).toEqual([
      { key: 'PD-UNKNOWN', paid: false, reason: 'not on the Demo dashboard' },
      { key: 'PD-UNKNOWN', paid: false, reason: 'not on the Demo dashboard' },
    ]);
    await waitFor(() => expect(row('PD-UNKNOWN').dataset.status).toBe('cancelled'));
    expect(row('PD-UNKNOWN').querySelector('.settle-row')).toBeNull();
  });

  test('a PIN prompt cancelled over Mark paid sends nothing more and keeps the sale open', async () => {
    const calls = await openHistory(
      { settle_invoice: () => Promise.reject(rejection('manager_pin_required', 'a manager must unlock this')) },
      [UNKNOWN],
    );
    await fireEvent.click(row('PD-UNKNOWN').querySelector<HTMLButtonElement>('.settle-row[data-paid="true"]')!);
    await fireEvent.input(byId('settle-reason')!, { target: { value: 'seen paid' } });
    await fireEvent.click(byId('settle-save')!);
    await waitFor(() => expect(byId('pin-dialog')).not.toBeNull());
    await fireEvent.click(byId('pin-cancel')!);
    await waitFor(() => expect(byId('pin-dialog')).toBeNull());
    await waitFor(() => expect(byId('settle-error')?.textContent).toContain('a manager must unlock this'));
    expect(callsTo(calls, 'settle_invoice')).toHaveLength(1);
    expect(row('PD-UNKNOWN').dataset.status).toBe('unknown');
  });

  test("a refused retry (retry_unsafe) shows the backend's how-to-check in full, with a hint", async () => {
    const how =
      'OxaPay cannot be asked whether it holds an invoice for PD-UNKNOWN, and sending it again could make a second one the customer might also pay: look for PD-UNKNOWN on the OxaPay dashboard; if it is there, the customer can still pay it; if not, start a new sale';
    await openHistory(
      {
        retry_invoice: () => {
          throw rejection('retry_unsafe', how);
        },
      },
      [UNKNOWN],
    );
    await fireEvent.click(retryButton('PD-UNKNOWN')!);
    await waitFor(() => expect(retryError('PD-UNKNOWN')).toBe(how));
    expect(row('PD-UNKNOWN').parentElement?.querySelector('.retry-hint')?.textContent).toBe(
      'Look for the order on the gateway’s dashboard before you charge again.',
    );
    expect(byId('screen-invoice')).toBeNull();
    // The sale can still be settled by hand from the dashboard.
    expect(row('PD-UNKNOWN').querySelector('.settle-row')).not.toBeNull();
  });

  test("an open sale's last note (why its follow stopped) shows on its row; a final sale's does not", async () => {
    const stopped =
      'no final answer from NonStoPay a day after it was made: stopped asking. Confirm it on the NonStoPay dashboard; a manager can then mark it paid or not paid';
    const open = invoiceView({ id: 5, order_id: 'PD-NSP', gateway_name: 'NonStoPay', last_error: stopped });
    await openHistory({}, [open, FAILED]);
    expect(row('PD-NSP').parentElement?.querySelector('.row-note')?.textContent).toBe(stopped);
    expect(row('PD-FAILED').parentElement?.querySelector('.row-note')).toBeNull();
  });
});
