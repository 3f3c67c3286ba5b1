import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, render, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, test } from 'vitest';
import App from '../App.svelte';
import { bootstrapReply, byId, callsTo, invoiceView, mockBackend, rejection, waitUntilReady } from '../test/backend';

afterEach(() => {
  cleanup();
  clearMocks();
});

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

async function openHistory(handlers: Parameters<typeof mockBackend>[0] = {}) {
  const calls = mockBackend({ history: () => [TODAY, OLD], ...handlers });
  render(App);
  await waitUntilReady();
  await fireEvent.click(byId('nav-history')!);
  await waitFor(() => expect(document.querySelectorAll('.history-row')).toHaveLength(2));
  return calls;
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
});
