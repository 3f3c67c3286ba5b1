// A keyboard-wedge barcode scanner on the Charge screen: its burst adds the item, whatever has
// focus, and never types into the amount or a field, nor charges; a person's keys work as before.
// Keys carry their own timeStamp (a burst is a few ms apart, a person 80 ms), and the scanner's
// hold runs on fake timers.
import { fireEvent, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { ChargeRequest } from '../bindings/ChargeRequest';
import { byId, callsTo, invoiceView, quoteReply, startApp } from '../test/backend';

async function start() {
  const calls = await startApp({ charge: ({ request }) => invoiceView({ amount: quoteReply({ request }).total }) });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  return calls;
}
afterEach(() => vi.useRealTimers());

/** The clock of the keys typed, in ms. */
let now = 1_000;

/** A keydown of `key` on `target`, `after` ms after the previous key; fake time moves as much. */
async function key(key: string, after: number, target: Element = document.activeElement ?? document.body) {
  now += after;
  await vi.advanceTimersByTimeAsync(after);
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
  Object.defineProperty(event, 'timeStamp', { value: now });
  return fireEvent(target, event);
}

/** A scanner's burst: `code` 3 ms a key, then Enter. */
async function scan(code: string, target?: Element) {
  await key(code[0], 500, target);
  for (const ch of code.slice(1)) await key(ch, 3, target);
  await key('Enter', 3, target);
}

const line = (id: number) => document.querySelector<HTMLElement>(`#cart .cart-line[data-item-id="${id}"]`);
const quantity = (id: number) => line(id)?.querySelector('.qty')?.textContent;
const amount = () => byId('amount')?.textContent;
const input = (id: string) => byId(id) as HTMLInputElement;

describe('a barcode scanner on the charge screen', () => {
  test('a burst for a known barcode adds its item, again bumps it; the amount stays and nothing is charged', async () => {
    const calls = await start();
    await key('5', 100);
    await vi.advanceTimersByTimeAsync(100);
    expect(amount()).toBe('5');
    await scan('4006381333931');
    await waitFor(() => expect(quantity(1)).toBe('1'));
    expect(callsTo(calls, 'item_by_barcode')).toEqual([{ code: '4006381333931' }]);
    await scan('4006381333931');
    await waitFor(() => expect(quantity(1)).toBe('2'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(amount()).toBe('5');
    expect(byId('screen-charge')).not.toBeNull();
    expect(callsTo(calls, 'charge')).toEqual([]);
    expect(byId('scan-notice')).toBeNull();
  });

  test('a burst while the description or the item search has focus leaves them as they were', async () => {
    const calls = await start();
    const description = input('description');
    description.focus();
    await fireEvent.input(description, { target: { value: 'Table 4' } });
    await scan('CR-1', description);
    await waitFor(() => expect(quantity(2)).toBe('1'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(description.value).toBe('Table 4');
    expect(amount()).toBe('');

    const search = input('item-search');
    search.focus();
    await scan('4006381333931', search);
    await waitFor(() => expect(quantity(1)).toBe('1'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(search.value).toBe('');
    expect(callsTo(calls, 'item_by_barcode')).toEqual([{ code: 'CR-1' }, { code: '4006381333931' }]);
    expect(callsTo(calls, 'charge')).toEqual([]);
  });

  test('a person typing in the description still types there, at the caret, in order', async () => {
    await start();
    const description = input('description');
    description.focus();
    await fireEvent.input(description, { target: { value: 'Table ' } });
    for (const ch of 'No.7') await key(ch, 80, description);
    await vi.advanceTimersByTimeAsync(100);
    expect(description.value).toBe('Table No.7');
    expect(amount()).toBe('');
  });

  test('an unknown code shows #scan-notice and adds nothing; Esc clears the notice', async () => {
    const calls = await start();
    await scan('123456');
    await waitFor(() => expect(byId('scan-notice')?.textContent).toBe('No item has the barcode 123456 — nothing was added'));
    expect(byId('scan-notice')?.getAttribute('role')).toBe('status');
    expect(byId('cart')).toBeNull();
    expect(amount()).toBe('');
    expect(callsTo(calls, 'charge')).toEqual([]);
    await key('Escape', 200);
    expect(byId('scan-notice')).toBeNull();
  });

  test('a person typing 1, 2, Enter still charges 12', async () => {
    const calls = await start();
    await key('1', 100);
    await key('2', 80);
    await key('Enter', 80);
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
    expect(callsTo(calls, 'charge').map((c) => (c.request as ChargeRequest).amount)).toEqual(['12']);
  });
});
