import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { ItemView } from '../bindings/ItemView';
import type { TaxRateView } from '../bindings/TaxRateView';
import { bootstrapReply, byId, callsTo, mockBackend, rejection, startApp } from '../test/backend';

const VAT: TaxRateView = { name: 'VAT', percent: '20', inclusive: true, is_default: true };
const COFFEE: ItemView = { id: 7, name: 'Coffee', price: '2.20', currency: 'EUR', tax_rate: null, barcode: '4001', category: 'Drinks' };

async function openShop(handlers: Parameters<typeof mockBackend>[0] = {}) {
  const calls = await startApp(handlers);
  await fireEvent.click(byId('nav-shop')!);
  await waitFor(() => expect(byId('screen-shop')).not.toBeNull());
  return calls;
}

const value = (id: string) => (byId(id) as HTMLInputElement).value;

async function type(id: string, text: string) {
  await fireEvent.input(byId(id)!, { target: { value: text } });
}

async function choose(id: string, option: string) {
  const select = byId(id) as HTMLSelectElement;
  select.value = option;
  await fireEvent.change(select);
}

describe('the Shop screen', () => {
  test('asks for the manager PIN first when the till is locked', async () => {
    const calls = await startApp({
      bootstrap: () => bootstrapReply({ manager_pin_set: true }),
      manager_status: () => ({ pin_set: true, unlocked: false, locked_out_seconds: 0 }),
    });
    await fireEvent.click(byId('nav-shop')!);
    await waitFor(() => expect(byId('pin-dialog')).not.toBeNull());
    expect(byId('pin-reason')?.textContent).toContain('catalog, tax rates, cashiers and exchange rates');
    await fireEvent.click(byId('pin-cancel')!);
    expect(byId('screen-shop')).toBeNull();
    expect(callsTo(calls, 'items')).toEqual([]);
  });

  test('lists the catalog and searches it', async () => {
    const calls = await openShop({ items: ({ search }) => (search === 'zzz' ? [] : [COFFEE]) });
    await waitFor(() => expect(byId('catalog-list')?.textContent).toContain('Coffee'));
    expect(document.querySelector('[data-item="7"]')?.textContent).toContain('2.20 EUR');
    await type('catalog-search', 'zzz');
    await waitFor(() => expect(byId('catalog-list')).toBeNull());
    expect(callsTo(calls, 'items')).toEqual([{ search: '' }, { search: 'zzz' }]);
  });

  test('an import sends the file as text; a refusal shows the whole message, naming every bad line', async () => {
    const csv = 'name,price,currency,tax_rate,barcode,category\nCoffee,2.20,EUR,VAT,4001,Drinks\nTea,abc,EUR,,,\n';
    const message =
      'nothing was imported:\nline 3, column price: "abc" is not an amount\nline 4, column tax_rate: no tax rate "XX"';
    const calls = await openShop({
      import_catalog: () => {
        throw rejection('bad_input', message);
      },
    });
    const file = new File([csv], 'catalog.csv', { type: 'text/csv' });
    await fireEvent.change(byId('catalog-file')!, { target: { files: [file] } });
    await waitFor(() => expect(byId('catalog-message')?.textContent).toBe(message));
    expect(callsTo(calls, 'import_catalog')).toEqual([{ text: csv }]);
    expect(byId('catalog-message')?.textContent).toContain('line 3, column price');
    expect(byId('catalog-message')?.textContent).toContain('line 4, column tax_rate');
  });

  test('a good import says how many items it brought and shows them', async () => {
    let imported = false;
    await openShop({
      import_catalog: () => ((imported = true), { items: 1 }),
      items: () => (imported ? [COFFEE] : []),
    });
    const file = new File(['name,price\n'], 'catalog.csv', { type: 'text/csv' });
    await fireEvent.change(byId('catalog-file')!, { target: { files: [file] } });
    await waitFor(() => expect(byId('catalog-message')?.textContent).toBe('Catalog imported: 1 items.'));
    await waitFor(() => expect(byId('catalog-list')?.textContent).toContain('Coffee'));
  });

  test('export shows where the file went', async () => {
    await openShop({ export_catalog: () => '/home/till/Downloads/paydesk-catalog.csv' });
    await fireEvent.click(byId('catalog-export')!);
    await waitFor(() =>
      expect(byId('catalog-message')?.textContent).toBe('Catalog saved to /home/till/Downloads/paydesk-catalog.csv'),
    );
  });

  test('a new item is sent with its price in the wire form, from a decimal-comma till', async () => {
    const calls = await openShop({
      bootstrap: () => bootstrapReply({ decimal_comma: true, default_currency: 'EUR' }),
      tax_rates: () => [VAT, { name: 'Reduced', percent: '7.7', inclusive: true, is_default: false }],
      save_item: ({ item }) => ({ ...(item as ItemView), id: 8 }),
    });
    await waitFor(() => expect(document.querySelector('#item-tax-rate option[value="Reduced"]')).not.toBeNull());
    expect(value('item-currency')).toBe('EUR');
    // The fields hold no more than the till accepts, as bootstrap's limits say.
    const max = (id: string) => (byId(id) as HTMLInputElement).maxLength;
    expect([max('item-name'), max('item-barcode'), max('item-category'), max('cashier-name'), max('rate-name')]).toEqual([
      80, 64, 40, 40, 40,
    ]);
    await type('item-name', ' Tea ');
    await type('item-price', '2,20');
    await choose('item-tax-rate', 'Reduced');
    await type('item-barcode', '4002');
    await fireEvent.click(byId('item-save')!);
    await waitFor(() => expect(byId('catalog-message')?.textContent).toBe('Tea saved.'));
    expect(callsTo(calls, 'save_item')).toEqual([
      {
        id: null,
        item: { name: 'Tea', price: '2.20', currency: 'EUR', tax_rate: 'Reduced', barcode: '4002', category: null },
      },
    ]);
    // A fresh form for the next item.
    expect(value('item-name')).toBe('');
  });

  test('editing an item shows its price in the shop style and saves it under its id; delete asks twice', async () => {
    const calls = await openShop({
      bootstrap: () => bootstrapReply({ decimal_comma: true }),
      items: () => [COFFEE],
      save_item: ({ item }) => ({ ...(item as ItemView), id: 7 }),
      delete_item: () => null,
    });
    await waitFor(() => expect(byId('item-edit-7')).not.toBeNull());
    await fireEvent.click(byId('item-edit-7')!);
    expect(value('item-price')).toBe('2,20');
    expect(value('item-category')).toBe('Drinks');
    await type('item-price', '2,40');
    await fireEvent.click(byId('item-save')!);
    await waitFor(() => expect(callsTo(calls, 'save_item')).toHaveLength(1));
    expect(callsTo(calls, 'save_item')[0]).toMatchObject({ id: 7, item: { price: '2.40', tax_rate: null } });

    await fireEvent.click(byId('item-delete-7')!);
    expect(callsTo(calls, 'delete_item')).toEqual([]);
    expect(byId('item-delete-7')?.textContent).toBe('Delete for good?');
    await fireEvent.click(byId('item-delete-7')!);
    await waitFor(() => expect(callsTo(calls, 'delete_item')).toEqual([{ id: 7 }]));
  });

  test('the tax rate form sends the percent as text', async () => {
    let rates: TaxRateView[] = [VAT];
    const calls = await openShop({
      bootstrap: () => bootstrapReply({ decimal_comma: true }),
      tax_rates: () => rates,
      save_tax_rate: ({ rate }) => (rates = [...rates, rate as TaxRateView]),
    });
    await waitFor(() => expect(document.querySelector('[data-rate="VAT"]')?.textContent).toContain('20 %'));
    await type('rate-name', 'Reduced');
    await type('rate-percent', '7,7');
    await fireEvent.click(byId('rate-inclusive')!); // added on top
    await fireEvent.click(byId('rate-save')!);
    await waitFor(() => expect(document.querySelector('[data-rate="Reduced"]')).not.toBeNull());
    expect(callsTo(calls, 'save_tax_rate')).toEqual([
      { rate: { name: 'Reduced', percent: '7.7', inclusive: false, is_default: false } },
    ]);
    expect(document.querySelector('[data-rate="Reduced"]')?.textContent).toContain('7,7 %');
    // The catalog's form offers the new rate.
    expect(document.querySelector('#item-tax-rate option[value="Reduced"]')).not.toBeNull();
  });

  test('a refused percent shows the backend message', async () => {
    await openShop({
      save_tax_rate: () => {
        throw rejection('bad_input', 'a percent is at most 100, with at most two decimals');
      },
    });
    await type('rate-name', 'Odd');
    await type('rate-percent', '7.777');
    await fireEvent.click(byId('rate-save')!);
    await waitFor(() => expect(byId('rate-error')?.textContent).toBe('a percent is at most 100, with at most two decimals'));
  });

  test('adding a cashier sends the name and PIN, clears the PIN and asks the seller bar again', async () => {
    const calls = await openShop({ add_cashier: ({ name }) => ({ id: 3, name, active: true }) });
    await type('cashier-name', ' Ana ');
    await type('cashier-pin', '4321');
    await fireEvent.click(byId('cashier-add')!);
    await waitFor(() => expect(byId('cashier-list')?.textContent).toContain('Ana'));
    expect(callsTo(calls, 'add_cashier')).toEqual([{ name: 'Ana', pin: '4321' }]);
    expect(value('cashier-pin')).toBe('');
    expect(value('cashier-name')).toBe('');
    await waitFor(() => expect(callsTo(calls, 'seller').length).toBeGreaterThanOrEqual(2));
  });

  test('a cashier is deactivated, and gets a new PIN', async () => {
    const calls = await openShop({
      cashiers: () => [{ id: 3, name: 'Ana', active: true }],
      update_cashier: ({ active }) => [{ id: 3, name: 'Ana', active: active ?? true }],
    });
    await waitFor(() => expect(byId('cashier-active-3')?.textContent?.trim()).toBe('Deactivate'));
    await fireEvent.click(byId('cashier-active-3')!);
    await waitFor(() => expect(byId('cashier-active-3')?.textContent?.trim()).toBe('Reactivate'));
    await fireEvent.click(byId('cashier-reset-3')!);
    await type('cashier-new-pin', '8765');
    await fireEvent.click(byId('cashier-reset-save')!);
    await waitFor(() => expect(byId('cashier-message')?.textContent).toBe('New PIN saved for Ana.'));
    expect(callsTo(calls, 'update_cashier')).toEqual([
      { id: 3, pin: null, active: false },
      { id: 3, pin: '8765', active: null },
    ]);
  });

  test('exchange rates: listed with their age, fetched, and set by hand in the wire form', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ecb = { base: 'EUR', quote: 'USD', rate: '1.0842', source: 'ECB', as_of: now - 50 * 3600 };
    const calls = await openShop({
      bootstrap: () => bootstrapReply({ decimal_comma: true }),
      rates: () => [ecb],
      fetch_rates: () => [{ ...ecb, as_of: now - 3600 }],
      set_rate: ({ base, quote, rate }) => [{ base, quote, rate, source: 'manual', as_of: now }],
    });
    const row = () => document.querySelector('[data-pair="EUR/USD"]');
    await waitFor(() => expect(row()?.textContent).toContain('1,0842'));
    expect(row()?.textContent).toContain('50 h');
    expect(row()?.textContent).toContain('too old for sales'); // older than the 48 hours allowed
    await fireEvent.click(byId('rates-fetch')!);
    await waitFor(() => expect(row()?.textContent).toContain('1 h'));
    expect(row()?.textContent).not.toContain('too old');

    await choose('fx-base', 'USD');
    await choose('fx-quote', 'JPY');
    await type('fx-rate', '151,5');
    await fireEvent.click(byId('fx-save')!);
    await waitFor(() => expect(byId('fx-message')?.textContent).toBe('Rate saved: 1 USD = 151,5 JPY.'));
    expect(callsTo(calls, 'set_rate')).toEqual([{ base: 'USD', quote: 'JPY', rate: '151.5' }]);
  });

  test('a failed fetch shows why', async () => {
    await openShop({
      fetch_rates: () => {
        throw rejection('local_failure', 'the exchange rates could not be fetched from www.ecb.europa.eu: it could not be reached');
      },
    });
    await fireEvent.click(byId('rates-fetch')!);
    await waitFor(() => expect(byId('rates-message')?.textContent).toContain('could not be reached'));
  });
});
