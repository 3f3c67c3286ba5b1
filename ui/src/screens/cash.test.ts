// Cash for a rung-up sale (items, tax, tip): recorded exactly as the till quoted it, after the
// cashier confirms the total; a plain typed amount keeps the cash dialog. And a gateway that charges
// another currency is no block: the till converts, or the quote says why not.
import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import { bootstrapReply, byId, callsTo, invoiceView, mockBackend, quoteReply, rejection, startApp } from '../test/backend';

type Handlers = Parameters<typeof mockBackend>[0];

async function start(handlers: Handlers = {}) {
  return startApp({ bootstrap: () => bootstrapReply({ tip_percents: [10] }), ...handlers });
}

async function press(keys: string) {
  for (const key of keys) await fireEvent.click(document.querySelector(`button[data-key="${key}"]`)!);
}

async function addItem(text: string, id: number) {
  await fireEvent.input(byId('item-search')!, { target: { value: text } });
  await waitFor(() => expect(option(id)).not.toBeNull());
  await fireEvent.click(option(id));
}

async function choose(id: string, value: string) {
  const select = byId(id) as HTMLSelectElement;
  select.value = value;
  await fireEvent.change(select);
}

const option = (id: number) => document.querySelector<HTMLButtonElement>(`.item-option[data-item-id="${id}"]`)!;
const text = (id: string) => byId(id)?.textContent?.trim();
const chargeButton = () => byId('charge') as HTMLButtonElement;

/** Two espressos, a croissant, 4 typed and a 10% tip. */
async function ringUpItems() {
  await addItem('esp', 1);
  await fireEvent.click(option(1));
  await addItem('crois', 2);
  await press('4');
  await fireEvent.click(document.querySelector('.tip-option[data-percent="10"]')!);
}

/** The sale of `ringUpItems`, quoted: 11.40 + 1.14 = 12.54 USD. */
async function ringUp() {
  await ringUpItems();
  await waitFor(() => expect(text('total')).toBe('12.54 USD'));
}

describe('cash for a rung-up sale', () => {
  test('is quoted as cash: a gateway whose rate is stale never stands in the way of the drawer', async () => {
    const calls = await start({
      quote: (args) =>
        (args.request as { gateway: string }).gateway === 'cash'
          ? quoteReply(args)
          : Promise.reject(rejection('rate_stale', 'the EUR to USD rate is 5 days old')),
    });
    await ringUpItems();
    await waitFor(() => expect(text('quote-error')).toContain('5 days old'));
    expect(chargeButton().disabled).toBe(true);
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(text('cash-cart-total')).toBe('12.54 USD'));
    await fireEvent.click(byId('cash-cart-confirm')!);
    await waitFor(() => expect(callsTo(calls, 'cash_sale')).toHaveLength(1));
    const gateways = callsTo(calls, 'quote').map((c) => (c.request as { gateway: string }).gateway);
    expect(gateways).toContain('cash');
  });

  test('confirms the quoted total, then records exactly the quoted request and clears the sale', async () => {
    const calls = await start();
    await ringUp();
    await fireEvent.input(byId('description')!, { target: { value: 'Table 4' } });
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(byId('cash-cart-dialog')).not.toBeNull());
    expect(byId('cash-dialog')).toBeNull();
    await waitFor(() => expect(text('cash-cart-total')).toBe('12.54 USD'));
    expect(byId('screen-charge')!.inert).toBe(true);
    expect(callsTo(calls, 'cash_sale')).toEqual([]);
    await fireEvent.click(byId('cash-cart-confirm')!);
    await waitFor(() => expect(byId('cash-cart-dialog')).toBeNull());
    expect(callsTo(calls, 'cash_sale')).toEqual([
      {
        request: {
          amount: '4',
          items: [
            { item_id: 1, quantity: 2 },
            { item_id: 2, quantity: 1 },
          ],
          tip: '1.14',
          currency: 'USD',
          description: 'Table 4',
        },
      },
    ]);
    expect(callsTo(calls, 'charge')).toEqual([]);
    expect(callsTo(calls, 'record_cash_sale')).toEqual([]);
    expect(text('cash-result')).toContain('12.54 USD');
    expect(byId('amount')?.textContent).toBe('');
    expect(document.querySelectorAll('.cart-line')).toHaveLength(0);
    expect(byId('tip-none')?.getAttribute('aria-pressed')).toBe('true');
    expect((byId('description') as HTMLInputElement).value).toBe('');
    expect(byId('screen-charge')!.inert).toBe(false);
  });

  test('a refusal (no open shift) shows its message in the dialog and keeps the cart', async () => {
    const calls = await start({
      cash_sale: () => Promise.reject(rejection('shift_required', 'open a shift before selling')),
    });
    await ringUp();
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(byId('cash-cart-confirm')?.hasAttribute('disabled')).toBe(false));
    await fireEvent.click(byId('cash-cart-confirm')!);
    await waitFor(() => expect(text('cash-cart-error')).toBe('open a shift before selling'));
    expect(byId('cash-cart-dialog')).not.toBeNull();
    expect(callsTo(calls, 'cash_sale')).toHaveLength(1);
    await fireEvent.click(byId('cash-cart-cancel')!);
    await waitFor(() => expect(byId('cash-cart-dialog')).toBeNull());
    expect(byId('cash-result')).toBeNull();
    expect(document.querySelectorAll('.cart-line')).toHaveLength(2);
    expect(byId('amount')?.textContent).toBe('4');
    expect(text('total')).toBe('12.54 USD');
  });

  test('Record cash before the quote answered waits for it, and shows its total', async () => {
    const calls = await start();
    await addItem('crois', 2);
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(text('cash-cart-total')).toBe('3.00 USD'));
    await fireEvent.click(byId('cash-cart-confirm')!);
    await waitFor(() => expect(byId('cash-result')).not.toBeNull());
    expect(callsTo(calls, 'cash_sale')).toMatchObject([{ request: { amount: '', items: [{ item_id: 2, quantity: 1 }], tip: null } }]);
  });

  test('a typed amount alone still opens the cash dialog with it', async () => {
    const calls = await start({ record_cash_sale: ({ amount }) => invoiceView({ kind: 'cash', amount: String(amount) }) });
    await press('7.5');
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(byId('cash-dialog')).not.toBeNull());
    expect(byId('cash-cart-dialog')).toBeNull();
    expect((byId('cash-amount') as HTMLInputElement).value).toBe('7.5');
    await fireEvent.click(byId('cash-save')!);
    await waitFor(() => expect(byId('cash-dialog')).toBeNull());
    expect(callsTo(calls, 'record_cash_sale')).toEqual([{ amount: '7.5', currency: 'USD', description: null }]);
    expect(callsTo(calls, 'cash_sale')).toEqual([]);
  });
});

describe('a gateway that charges another currency', () => {
  const CHARGED = { amount: '9.46', currency: 'USD', rate: '1.0512', source: 'ECB', as_of: Date.UTC(2026, 11, 3) / 1000 };

  test('a EUR sale on Dex3 (USD only) is converted by the till, not blocked', async () => {
    const calls = await start({
      quote: (args) => ({ ...quoteReply(args), charged: (args.request as { gateway: string }).gateway === 'dex3' ? CHARGED : null }),
      charge: () => invoiceView({ gateway: 'dex3', amount: '9.46' }),
    });
    await choose('currency', 'EUR');
    await choose('gateway', 'dex3');
    await press('9');
    expect(text('currency-warning')).toBe("Dex3 charges in USD: converted at the till's rate");
    await waitFor(() => expect(text('charged-amount')).toBe('≈ 9.46 USD at 1 EUR = 1.0512 USD, ECB 2026-12-03'));
    expect(chargeButton().disabled).toBe(false);
    expect(byId('currency-warning')?.classList.contains('warning')).toBe(false);
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
    expect(callsTo(calls, 'charge')).toMatchObject([{ request: { gateway: 'dex3', amount: '9', currency: 'EUR' } }]);
  });

  test('a stale rate keeps Charge off, with the quote saying why', async () => {
    const calls = await start({
      quote: () => Promise.reject(rejection('rate_stale', 'the EUR→USD rate is 3 days old')),
    });
    await choose('currency', 'EUR');
    await choose('gateway', 'dex3');
    await press('9');
    await waitFor(() => expect(text('quote-error')).toBe('the EUR→USD rate is 3 days old'));
    expect(chargeButton().disabled).toBe(true);
    expect(text('currency-warning')).toBe("Dex3 charges in USD: converted at the till's rate");
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(callsTo(calls, 'charge')).toEqual([]);
  });
});
