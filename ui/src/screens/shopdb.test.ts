// The shop database: Settings' card, and History's and Report's "This till | Whole shop", through
// the real App, api.ts and the IPC mock.
import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { describe, expect, test, vi } from 'vitest';
import type { ShiftReport } from '../bindings/ShiftReport';
import type { ShopReport } from '../bindings/ShopReport';
import type { ShopSaleView } from '../bindings/ShopSaleView';
import ShopDatabaseCard from '../components/shopdb/ShopDatabaseCard.svelte';
import { byId, callsTo, mockBackend, rejection, shopLinkView, startApp } from '../test/backend';

type Handlers = Parameters<typeof mockBackend>[0];

const TYPED = 'postgres://paydesk:s3cret-typed-pw@shop.example:5432/shop';
const MASKED = 'postgres://paydesk:***@shop.example:5432/shop';
const LINKED = shopLinkView({ set: true, address: MASKED, pending: 3, pushed_at: 1_795_400_000, listening: true });

async function open(screen: 'settings' | 'history' | 'report', handlers: Handlers = {}) {
  const calls = await startApp(handlers);
  await fireEvent.click(byId(`nav-${screen}`)!);
  await waitFor(() => expect(byId(`screen-${screen}`)).not.toBeNull());
  return calls;
}

function pageText(): string {
  return document.body.innerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join(' ');
}

describe('Settings → Shop database', () => {
  test('shows the link: not set, this till, nothing waiting', async () => {
    await open('settings');
    await waitFor(() => expect(byId('shop-link-state')?.textContent).toBe('Not set'));
    expect(byId('shop-link-till')?.textContent).toContain('PD');
    expect(byId('shop-link-till')?.textContent).toContain('till-7f3a');
    expect(byId('shop-link-pending')?.textContent).toBe('0');
    expect(byId('shop-link-address')).toBeNull();
    expect((byId('shop-database-forget') as HTMLButtonElement).disabled).toBe(true);
  });

  test('Save sends the typed address once, empties the field, and shows only the masked one', async () => {
    let view = shopLinkView();
    const calls = await open('settings', {
      shop_link: () => view,
      set_shop_database: () => (view = LINKED),
    });
    const input = byId('shop-database-url') as HTMLInputElement;
    expect(input.type).toBe('password');
    await fireEvent.input(input, { target: { value: TYPED } });
    await fireEvent.click(byId('shop-database-save')!);
    await waitFor(() => expect(byId('shop-database-result')?.textContent).toContain('Saved'));
    expect(callsTo(calls, 'set_shop_database')).toEqual([{ url: TYPED }]);
    expect(input.value).toBe('');
    expect(byId('shop-link-address')?.textContent).toBe(MASKED);
    expect(byId('shop-link-state')?.textContent).toBe('Set');
    expect(byId('shop-link-pending')?.textContent).toBe('3');
    expect(byId('shop-link-listening')?.textContent).toBe('Listening');
    expect(pageText()).not.toContain('s3cret-typed-pw');
  });

  test('Forget sends null; a refused address is the error, and the field keeps it to fix', async () => {
    let view = LINKED;
    const calls = await open('settings', {
      shop_link: () => view,
      set_shop_database: ({ url }) => {
        if (url !== null) throw rejection('bad_input', 'the shop database address is not valid: it names no host');
        return (view = shopLinkView());
      },
    });
    await waitFor(() => expect(byId('shop-link-state')?.textContent).toBe('Set'));
    await fireEvent.input(byId('shop-database-url')!, { target: { value: 'postgres://' } });
    await fireEvent.click(byId('shop-database-save')!);
    await waitFor(() => expect(byId('shop-database-result')?.textContent).toContain('it names no host'));
    expect((byId('shop-database-url') as HTMLInputElement).value).toBe('postgres://');
    await fireEvent.click(byId('shop-database-forget')!);
    await waitFor(() => expect(byId('shop-link-state')?.textContent).toBe('Not set'));
    expect(callsTo(calls, 'set_shop_database').at(-1)).toEqual({ url: null });
  });

  test('the status is asked again every few seconds while the card is shown, and no more after', async () => {
    vi.useFakeTimers();
    try {
      const calls = mockBackend();
      const card = render(ShopDatabaseCard);
      await vi.advanceTimersByTimeAsync(0);
      expect(callsTo(calls, 'shop_link')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(callsTo(calls, 'shop_link')).toHaveLength(3);
      card.unmount();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(callsTo(calls, 'shop_link')).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  test("the link's last error is shown", async () => {
    await open('settings', { shop_link: () => ({ ...LINKED, listening: false, error: 'the shop database cannot be reached: connection refused' }) });
    await waitFor(() => expect(byId('shop-link-last-error')?.textContent).toContain('connection refused'));
    expect(byId('shop-link-listening')?.textContent).toBe('Not listening');
  });
});

const SALES: ShopSaleView[] = [
  {
    till_name: 'Front',
    order_id: 'FR-20261123-AAAA',
    kind: 'sale',
    gateway_name: 'Dex3',
    amount: '12.30',
    currency: 'USD',
    description: null,
    status: 'paid',
    cashier: 'Ana',
    created_at: 1_795_400_000,
    by_callback: true,
  },
  {
    till_name: 'Back',
    order_id: 'BK-20261123-BBBB',
    kind: 'cash',
    gateway_name: 'Cash',
    amount: '0.10',
    currency: 'USD',
    description: null,
    status: 'paid',
    cashier: null,
    created_at: 1_795_399_000,
    by_callback: false,
  },
];

describe('History: This till | Whole shop', () => {
  test('without a shop database there is no toggle, and History is this till’s', async () => {
    const calls = await open('history');
    await waitFor(() => expect(callsTo(calls, 'shop_link').length).toBeGreaterThan(0));
    expect(byId('history-scope')).toBeNull();
    expect(callsTo(calls, 'shop_history')).toEqual([]);
  });

  test("Whole shop lists every till's sales with the till, badge, exact amount and the callback mark", async () => {
    const calls = await open('history', { shop_link: () => LINKED, shop_history: () => SALES });
    await waitFor(() => expect(byId('history-scope')).not.toBeNull());
    await fireEvent.click(document.querySelector('#history-scope [data-scope="shop"]')!);
    await waitFor(() => expect(document.querySelectorAll('.shop-sale')).toHaveLength(2));
    expect(callsTo(calls, 'shop_history')).toEqual([{ search: '', limit: 100, offset: 0 }]);
    const [front, back] = [...document.querySelectorAll<HTMLElement>('.shop-sale')];
    expect(front.querySelector('.till-name')?.textContent).toBe('Front');
    expect(front.textContent).toContain('12.30 USD');
    expect(front.querySelector('.badge')?.getAttribute('data-status')).toBe('paid');
    expect(front.querySelector('.by-callback')).not.toBeNull();
    expect(back.textContent).toContain('0.10 USD');
    expect(back.querySelector('.by-callback')).toBeNull();
    expect(byId('export-csv')).toBeNull();

    await fireEvent.input(byId('history-search')!, { target: { value: 'FR-2026' } });
    await waitFor(() => expect(callsTo(calls, 'shop_history').at(-1)).toEqual({ search: 'FR-2026', limit: 100, offset: 0 }));
  });

  test('a refused whole-shop list (PIN cancelled) shows the error', async () => {
    await open('history', {
      shop_link: () => LINKED,
      shop_history: () => Promise.reject(rejection('manager_pin_required', 'a manager must unlock this')),
    });
    await waitFor(() => expect(byId('history-scope')).not.toBeNull());
    await fireEvent.click(document.querySelector('#history-scope [data-scope="shop"]')!);
    await waitFor(() => expect(byId('pin-dialog')).not.toBeNull());
    await fireEvent.click(byId('pin-cancel')!);
    await waitFor(() => expect(byId('shop-history-error')?.textContent).toContain('a manager must unlock this'));
  });
});

function shiftReport(currency: string, net: string): ShiftReport {
  return {
    from: 0,
    to: 0,
    currencies: [
      { currency, received: net, received_count: 1, cash: '0.00', cash_count: 0, refunds: '0.00', refund_count: 0, net, tips: '0.00' },
    ],
    by_status: [],
    by_gateway: [],
    taxes: [],
    cashiers: [],
    shifts: [],
    drawer_openings: [],
  };
}

const SHOP_REPORT: ShopReport = {
  from: 0,
  to: 0,
  total: shiftReport('USD', '30.40'),
  tills: [
    { till_id: 'till-a', name: 'Front', last_push: 1_795_400_000, report: shiftReport('USD', '20.30') },
    { till_id: 'till-b', name: 'Back', last_push: 1_795_399_000, report: shiftReport('USD', '10.10') },
  ],
};

describe('Report: This till | Whole shop', () => {
  const base: Handlers = { shift_report: () => shiftReport('USD', '1.00') };

  test('without a shop database there is no toggle', async () => {
    const calls = await open('report', base);
    await waitFor(() => expect(byId('report-totals')).not.toBeNull());
    await waitFor(() => expect(callsTo(calls, 'shop_link').length).toBeGreaterThan(0));
    expect(byId('report-scope')).toBeNull();
  });

  test('Whole shop shows the total, then one section per till with its last push and its tables', async () => {
    const calls = await open('report', { ...base, shop_link: () => LINKED, shop_report: () => SHOP_REPORT });
    await waitFor(() => expect(byId('report-scope')).not.toBeNull());
    await fireEvent.click(document.querySelector('#report-scope [data-scope="shop"]')!);
    await waitFor(() => expect(byId('shop-report-total')).not.toBeNull());
    const [{ from, to }] = callsTo(calls, 'shift_report') as { from: number; to: number }[];
    expect(callsTo(calls, 'shop_report')).toEqual([{ from, to }]);
    expect(byId('report-totals')).toBeNull();
    expect(byId('shop-total-totals')?.querySelector('.report-row')?.getAttribute('data-net')).toBe('30.40');
    const tills = [...document.querySelectorAll<HTMLElement>('.till-report')];
    expect(tills.map((s) => s.dataset.tillName)).toEqual(['Front', 'Back']);
    expect(tills.map((s) => s.querySelector('.report-row')?.getAttribute('data-net'))).toEqual(['20.30', '10.10']);
    expect(tills[0].querySelector('h2')?.textContent).toBe('Front');
    expect(tills[0].querySelector('.last-push')?.textContent).toContain('Last sent');
    expect((byId('report-export') as HTMLButtonElement).disabled).toBe(true);
    // Back to this till: its own report again.
    await fireEvent.click(document.querySelector('#report-scope [data-scope="till"]')!);
    await waitFor(() => expect(byId('report-totals')).not.toBeNull());
    expect(document.querySelector('.till-report')).toBeNull();
  });
});
