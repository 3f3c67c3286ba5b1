// Tips: off unless Settings lists presets; then "No tip" or a preset before Charge, the tip exact in
// minor units, sent beside the amount (both in the wire form: digits and "."), never in the description.
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { Bootstrap } from '../bindings/Bootstrap';
import type { ChargeRequest } from '../bindings/ChargeRequest';
import { fromMinor, toMinor } from '../lib/money';
import { bootstrapReply, byId, callsTo, invoiceView, mockBackend, quoteReply, rejection, startApp } from '../test/backend';

const LIMIT_MINOR = 100_000n; // 1000.00: a small per-sale maximum, so a tip can pass it

/** check_amount as the backend answers: normalised to the currency's decimals, refused over the limit. */
function checkAmount(boot: Bootstrap) {
  return ({ amount, currency }: Record<string, unknown>) => {
    const decimals = boot.currencies.find((c) => c.code === currency)!.decimals;
    const minor = toMinor(String(amount).replace(',', '.'), decimals);
    if (minor === null) throw rejection('bad_amount', `not an amount in ${currency}`);
    if (minor > LIMIT_MINOR) throw rejection('bad_amount', 'the amount is too large for one sale');
    return { amount: fromMinor(minor, decimals), currency };
  };
}

async function start(settings: Partial<Bootstrap['settings']> = { tip_percents: [10, 15] }) {
  const boot = bootstrapReply(settings);
  return startApp({ bootstrap: () => boot, check_amount: checkAmount(boot), quote, charge: () => invoiceView() });
}

/** The till's quote, refusing a whole sale (the tip included) over the limit, as the till does. */
function quote(args: Record<string, unknown>) {
  const view = quoteReply(args);
  const decimals = bootstrapReply().currencies.find((c) => c.code === view.currency)!.decimals;
  if (toMinor(view.total, decimals)! > LIMIT_MINOR) throw rejection('bad_amount', 'the sale is too large for one sale');
  return view;
}

async function press(keys: string) {
  for (const key of keys) await fireEvent.click(document.querySelector(`button[data-key="${key}"]`)!);
}

const option = (percent: number) => document.querySelector<HTMLButtonElement>(`.tip-option[data-percent="${percent}"]`)!;
const chargeButton = () => byId('charge') as HTMLButtonElement;
const text = (id: string) => byId(id)?.textContent?.trim();

async function charge(calls: ReturnType<typeof mockBackend>): Promise<ChargeRequest> {
  await waitFor(() => expect(chargeButton().disabled).toBe(false));
  await fireEvent.click(chargeButton());
  await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
  const requests = callsTo(calls, 'charge');
  expect(requests).toHaveLength(1);
  return requests[0].request as ChargeRequest;
}

describe('tips', () => {
  test('off by default: no tip buttons, and the amount is charged as typed', async () => {
    const calls = await start({});
    await press('18.5');
    expect(byId('tip-none')).toBeNull();
    expect(document.querySelector('.tip-option')).toBeNull();
    await waitFor(() => expect(byId('tip-amount')).toBeNull());
    expect(await charge(calls)).toMatchObject({ amount: '18.5', tip: null, description: null });
  });

  test('a preset adds the tip: Tip 1.85, Total 20.35, the tip sent as its own field', async () => {
    const calls = await start();
    expect(byId('tip-none')?.getAttribute('aria-pressed')).toBe('true');
    expect([...document.querySelectorAll<HTMLElement>('.tip-option')].map((b) => b.dataset.percent)).toEqual(['10', '15']);
    await press('18.50');
    await waitFor(() => expect(byId('tip-amount')).toBeNull());
    await fireEvent.click(option(10));
    expect(option(10).getAttribute('aria-pressed')).toBe('true');
    expect(byId('tip-none')?.getAttribute('aria-pressed')).toBe('false');
    await waitFor(() => expect(text('tip-amount')).toBe('1.85 USD'));
    await waitFor(() => expect(text('total')).toBe('20.35 USD'));
    expect(text('amount')).toBe('18.50'); // the entry stays what was typed
    await waitFor(() => expect(chargeButton().textContent?.trim()).toBe('Charge 20.35 USD'));
    const description = byId('description') as HTMLInputElement;
    description.value = 'Table 4';
    await fireEvent.input(description);
    expect(await charge(calls)).toMatchObject({ amount: '18.50', tip: '1.85', currency: 'USD', description: 'Table 4' });
  });

  test('No tip takes it back off; Esc clears the tip with the sale', async () => {
    const calls = await start();
    await press('10');
    await fireEvent.click(option(15));
    await waitFor(() => expect(text('total')).toBe('11.50 USD'));
    await fireEvent.click(byId('tip-none')!);
    await waitFor(() => expect(byId('tip-amount')).toBeNull());
    await fireEvent.click(option(15));
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(byId('tip-none')?.getAttribute('aria-pressed')).toBe('true');
    await press('10');
    await waitFor(() => expect(byId('tip-amount')).toBeNull());
    expect(await charge(calls)).toMatchObject({ amount: '10', tip: null, description: null });
  });

  test('half a cent rounds up: 10% of 0.05 is 0.01', async () => {
    const calls = await start();
    await press('0.05');
    await fireEvent.click(option(10));
    await waitFor(() => expect(text('tip-amount')).toBe('0.01 USD'));
    await waitFor(() => expect(text('total')).toBe('0.06 USD'));
    expect(await charge(calls)).toMatchObject({ amount: '0.05', tip: '0.01', description: null });
  });

  test('JPY tips are whole yen, and a decimal-comma till shows a comma but sends a point', async () => {
    let calls = await start({ tip_percents: [15], default_currency: 'JPY' });
    await press('1050');
    await fireEvent.click(option(15));
    await waitFor(() => expect(text('tip-amount')).toBe('158 JPY'));
    expect(await charge(calls)).toMatchObject({ amount: '1050', tip: '158' });
    cleanup();
    clearMocks();

    calls = await start({ tip_percents: [10], decimal_comma: true });
    await press('18.5');
    await fireEvent.click(option(10));
    await waitFor(() => expect(text('tip-amount')).toBe('1,85 USD'));
    expect(await charge(calls)).toMatchObject({ amount: '18.5', tip: '1.85' });
  });

  test('the tip applies to the running total of parts', async () => {
    const calls = await start();
    await press('10+');
    await waitFor(() => expect(document.querySelectorAll('#parts .part')).toHaveLength(1));
    await press('8.5');
    await fireEvent.click(option(10));
    await waitFor(() => expect(text('tip-amount')).toBe('1.85 USD'));
    await waitFor(() => expect(text('total')).toBe('20.35 USD'));
    expect(await charge(calls)).toMatchObject({ amount: '18.50', tip: '1.85' });
  });

  test('a tip that takes the sale over the maximum is refused before Charge, in the quote', async () => {
    const calls = await start();
    await press('950');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(option(10));
    await waitFor(() => expect(text('quote-error')).toMatch(/too large/));
    expect(chargeButton().disabled).toBe(true);
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(callsTo(calls, 'charge')).toEqual([]);
  });

  test('a description as long as the limit is sent whole: the tip no longer takes room in it', async () => {
    const calls = await start();
    await press('5');
    await fireEvent.click(option(15));
    const description = byId('description') as HTMLInputElement;
    expect(description.maxLength).toBe(200);
    description.value = '☕'.repeat(199);
    await fireEvent.input(description);
    expect(await charge(calls)).toMatchObject({ amount: '5', tip: '0.75', description: '☕'.repeat(199) });
  });
});

describe('the next customer', () => {
  test('a tip chosen for a sale taken as cash does not carry over', async () => {
    const calls = await start();
    calls.length = 0;
    mockBackend({
      bootstrap: () => bootstrapReply({ tip_percents: [10, 15] }),
      check_amount: checkAmount(bootstrapReply()),
      record_cash_sale: ({ amount, currency }) => invoiceView({ kind: 'cash', amount: String(amount), currency: String(currency) }),
    });
    await press('10');
    await fireEvent.click(option(10));
    await waitFor(() => expect(byId('tip-amount')).not.toBeNull());
    await fireEvent.click(byId('record-cash')!);
    // A tip makes it a rung-up sale: cash records the quoted total, tip included.
    await waitFor(() => expect(text('cash-cart-total')).toBe('11.00 USD'));
    await fireEvent.click(byId('cash-cart-confirm')!);
    await waitFor(() => expect(byId('cash-cart-dialog')).toBeNull());
    expect(byId('cash-result')).not.toBeNull();
    await press('20');
    await waitFor(() => expect(byId('charge')?.textContent?.trim()).toBe('Charge 20.00 USD'));
    await waitFor(() => expect(byId('tip-amount')).toBeNull());
  });

  test('keys typed while a dialog is open never reach the keypad, even with focus on the page', async () => {
    const calls = await start();
    await press('5');
    await fireEvent.click(byId('record-cash')!);
    await waitFor(() => expect(byId('cash-dialog')).not.toBeNull());
    (document.activeElement as HTMLElement).blur();
    await fireEvent.keyDown(document.body, { key: '7' });
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(byId('amount')?.textContent).toBe('5');
    expect(callsTo(calls, 'charge')).toEqual([]);
  });
});
