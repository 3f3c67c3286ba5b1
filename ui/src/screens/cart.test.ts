// The cart: catalog items tapped in beside the keypad amount, quantities 1..999, and the till's
// quote as the only total. The window sends item ids and quantities, never a price.
import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { ChargeRequest } from '../bindings/ChargeRequest';
import type { ItemView } from '../bindings/ItemView';
import type { QuoteView } from '../bindings/QuoteView';
import { bootstrapReply, byId, callsTo, invoiceView, mockBackend, quoteReply, rejection, startApp } from '../test/backend';

type Handlers = Parameters<typeof mockBackend>[0];

async function start(handlers: Handlers = {}) {
  return startApp({ charge: ({ request }) => invoiceView({ amount: quoteReply({ request }).total }), ...handlers });
}

async function press(keys: string) {
  for (const key of keys) await fireEvent.click(document.querySelector(`button[data-key="${key}"]`)!);
}

/** Types `text` in the item search and waits for item `id` among the matches. */
async function search(text: string, id: number) {
  await fireEvent.input(byId('item-search')!, { target: { value: text } });
  await waitFor(() => expect(option(id)).not.toBeNull());
}

const option = (id: number) => document.querySelector<HTMLButtonElement>(`.item-option[data-item-id="${id}"]`)!;
const line = (id: number) => document.querySelector<HTMLElement>(`#cart .cart-line[data-item-id="${id}"]`);
const quantity = (id: number) => line(id)?.querySelector('.qty')?.textContent;
const chargeButton = () => byId('charge') as HTMLButtonElement;

async function chargeRequest(calls: ReturnType<typeof mockBackend>): Promise<ChargeRequest> {
  await waitFor(() => expect(chargeButton().disabled).toBe(false));
  await fireEvent.click(chargeButton());
  await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
  const requests = callsTo(calls, 'charge');
  expect(requests).toHaveLength(1);
  return requests[0].request as ChargeRequest;
}

describe('the cart', () => {
  test('a search lists items with their price; taps add and bump, − and ✕ take away', async () => {
    const calls = await start();
    await search('esp', 1);
    expect(callsTo(calls, 'items').at(-1)).toEqual({ search: 'esp' });
    expect([...document.querySelectorAll('.item-option')].map((o) => o.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Espresso 2.20 USD',
      'Espresso doppio 3.10 USD',
    ]);
    await fireEvent.click(option(1));
    await fireEvent.click(option(1));
    await fireEvent.click(option(3));
    expect(quantity(1)).toBe('2');
    expect(quantity(3)).toBe('1');
    expect(line(3)?.querySelector<HTMLButtonElement>('.qty-minus')?.disabled).toBe(true);
    await fireEvent.click(line(3)!.querySelector('.qty-plus')!);
    await fireEvent.click(line(1)!.querySelector('.qty-minus')!);
    expect([quantity(1), quantity(3)]).toEqual(['1', '2']);
    await fireEvent.click(line(1)!.querySelector('.cart-remove')!);
    expect(line(1)).toBeNull();
    expect(document.querySelectorAll('.cart-line')).toHaveLength(1);
  });

  test('Charge sends the item ids and quantities beside the keypad amount, never a price', async () => {
    const calls = await start();
    await search('esp', 1);
    await fireEvent.click(option(1));
    await fireEvent.click(option(1));
    await search('crois', 2);
    await fireEvent.click(option(2));
    await press('4');
    await waitFor(() => expect(byId('total')?.textContent).toBe('11.40 USD'));
    const request = await chargeRequest(calls);
    expect(request).toEqual({
      gateway: 'demo',
      amount: '4',
      items: [
        { item_id: 1, quantity: 2 },
        { item_id: 2, quantity: 1 },
      ],
      tip: null,
      currency: 'USD',
      description: null,
    });
    expect(JSON.stringify(request)).not.toContain('2.20');
  });

  test('items alone can be charged: the amount goes empty; New sale empties the cart', async () => {
    const calls = await start();
    await search('crois', 2);
    await fireEvent.click(option(2));
    expect(await chargeRequest(calls)).toMatchObject({ amount: '', items: [{ item_id: 2, quantity: 1 }] });
    await fireEvent.click(byId('abandon')!);
    await waitFor(() => expect(byId('screen-charge')).not.toBeNull());
    expect(byId('cart')).toBeNull();
    expect(chargeButton().disabled).toBe(true);
  });

  test('Enter in the search adds a scanned barcode and never charges', async () => {
    const calls = await start({ item_by_barcode: () => quoteItem() });
    await fireEvent.input(byId('item-search')!, { target: { value: '4006381333931' } });
    await fireEvent.keyDown(byId('item-search')!, { key: 'Enter' });
    await waitFor(() => expect(quantity(1)).toBe('1'));
    expect(callsTo(calls, 'item_by_barcode')).toEqual([{ code: '4006381333931' }]);
    expect((byId('item-search') as HTMLInputElement).value).toBe('');
    expect(callsTo(calls, 'charge')).toEqual([]);
  });
});

function quoteItem(): ItemView {
  return { id: 1, name: 'Espresso', price: '2.20', currency: 'USD', tax_rate: 'Reduced', barcode: '4006381333931', category: 'Coffee' };
}

const QUOTE: QuoteView = {
  items: [
    { quantity: 2, name: 'Espresso', amount: '5.00' },
    { quantity: 1, name: 'Amount', amount: '4.00' },
  ],
  taxes: [
    { name: 'VAT', percent: '20', inclusive: true, currency: 'EUR', count: 0, net: '3.33', tax: '0.67', gross: '4.00' },
    { name: 'Reduced', percent: '5', inclusive: true, currency: 'EUR', count: 0, net: '4.76', tax: '0.24', gross: '5.00' },
  ],
  total: '9.00',
  tip: null,
  currency: 'EUR',
  charged: { amount: '9.46', currency: 'USD', rate: '1.0512', source: 'ECB', as_of: Date.UTC(2026, 11, 3) / 1000 },
};

describe("the till's quote", () => {
  test('the total, tax rows and converted amount are the quote\'s, not a sum of the window\'s', async () => {
    await start({ quote: () => QUOTE });
    await press('4');
    await waitFor(() => expect(byId('total')?.textContent).toBe('9.00 EUR'));
    const taxes = [...document.querySelectorAll('#quote-taxes .quote-tax')].map((r) => [...r.children].map((c) => c.textContent?.trim()));
    expect(taxes).toEqual([
      ['VAT 20 % incl.', '3.33', '0.67', '4.00'],
      ['Reduced 5 % incl.', '4.76', '0.24', '5.00'],
    ]);
    expect(byId('charged-amount')?.textContent?.trim()).toBe('≈ 9.46 USD at 1 EUR = 1.0512 USD, ECB 2026-12-03');
    expect(chargeButton().textContent?.trim()).toBe('Charge 9.00 EUR');
  });

  test('a stale exchange rate shows the till\'s message under the total and Charge stays off', async () => {
    const calls = await start({
      quote: () => {
        throw rejection('rate_stale', 'the USD rate is 3 days old (at most 48 hours); fetch the rates first');
      },
    });
    await press('4');
    await waitFor(() => expect(byId('quote-error')?.textContent).toContain('3 days old'));
    expect(chargeButton().disabled).toBe(true);
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(callsTo(calls, 'charge')).toEqual([]);
  });

  test('a tip preset is taken of the quoted total without tip, then quoted with it', async () => {
    const calls = await start({ bootstrap: () => bootstrapReply({ tip_percents: [10] }) });
    await search('esp', 1);
    await fireEvent.click(option(1));
    await press('4');
    await fireEvent.click(document.querySelector('.tip-option[data-percent="10"]')!);
    // 2.20 + 4.00 = 6.20; 10 % is 0.62.
    await waitFor(() => expect(byId('tip-amount')?.textContent).toBe('0.62 USD'));
    expect(byId('total')?.textContent).toBe('6.82 USD');
    expect(callsTo(calls, 'quote').at(-1)).toMatchObject({ request: { tip: '0.62' } });
    expect(await chargeRequest(calls)).toMatchObject({ amount: '4', tip: '0.62', items: [{ item_id: 1, quantity: 1 }] });
  });
});

describe('the invoice of a converted sale', () => {
  test('shows the price in the shop currency beside the charged amount, and who sold it', async () => {
    const priced = { amount: '9.00', currency: 'EUR', rate: '1.0512', source: 'ECB', as_of: 1_796_256_000 };
    await start({ charge: () => invoiceView({ amount: '9.46', currency: 'USD', priced, cashier: 'Ana' }) });
    await press('9');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('invoice-amount')?.textContent?.trim()).toBe('9.46 USD'));
    expect(byId('invoice-priced')?.textContent?.trim()).toBe('Priced at 9.00 EUR');
    expect(byId('invoice-cashier')?.textContent?.trim()).toBe('Sold by Ana');
  });

  test('a sale in the shop currency, with no cashiers, shows neither', async () => {
    await start();
    await press('9');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('invoice-amount')).not.toBeNull());
    expect([byId('invoice-priced'), byId('invoice-cashier')]).toEqual([null, null]);
  });
});
