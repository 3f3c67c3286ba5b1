// The running total: "+" adds the typed amount as a part, Charge charges parts plus entry, exactly.
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { Bootstrap } from '../bindings/Bootstrap';
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

/** Like the real check_amount: pads to the currency's decimals, refuses zero, extra decimals and > 1,000,000. */
function checkAmount(boot: Bootstrap) {
  return ({ amount, currency }: Record<string, unknown>) => {
    const decimals = boot.currencies.find((c) => c.code === currency)!.decimals;
    const text = boot.settings.decimal_comma ? String(amount).replace(',', '.') : String(amount);
    const [whole, fraction = ''] = text.split('.');
    if (fraction.length > decimals) throw rejection('bad_amount', `${currency} takes at most ${decimals} decimal places`);
    const minor = BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
    if (minor === 0n) throw rejection('bad_amount', 'the amount must be more than zero');
    if (minor > 1_000_000n * 10n ** BigInt(decimals)) throw rejection('bad_amount', 'the amount is too large: at most 1000000 per sale');
    const digits = minor.toString().padStart(decimals + 1, '0');
    return { amount: decimals ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits, currency };
  };
}

function withKwd(settings: Partial<Bootstrap['settings']> = {}): Bootstrap {
  const boot = bootstrapReply(settings);
  return { ...boot, currencies: [...boot.currencies, { code: 'KWD', decimals: 3 }] };
}

async function start(boot: Bootstrap = withKwd(), handlers: Parameters<typeof mockBackend>[0] = {}) {
  return startApp({
    bootstrap: () => boot,
    check_amount: checkAmount(boot),
    charge: () => invoiceView(),
    ...handlers,
  });
}

async function press(keys: string) {
  for (const key of keys) {
    const button = document.querySelector<HTMLButtonElement>(`button[data-key="${key}"]`);
    if (!button) throw new Error(`no keypad button ${key}`);
    await fireEvent.click(button);
  }
}

/** Types `amount` and adds it with "+", waiting until the part is listed. */
async function addPart(amount: string) {
  const before = parts().length;
  await press(`${amount}+`);
  await waitFor(() => expect(parts()).toHaveLength(before + 1));
}

function parts(): string[] {
  return [...document.querySelectorAll('#parts .part .part-amount')].map((p) => p.textContent ?? '');
}

const chargeButton = () => byId('charge') as HTMLButtonElement;
const total = () => byId('total')?.textContent;

async function chargeAndGetRequest(calls: ReturnType<typeof mockBackend>) {
  await waitFor(() => expect(chargeButton().disabled).toBe(false));
  await fireEvent.click(chargeButton());
  await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
  const requests = callsTo(calls, 'charge');
  expect(requests).toHaveLength(1);
  return requests[0].request as { amount: string; currency: string };
}

describe('running total', () => {
  test('0.10 + 0.20 is exactly 0.30, and Charge sends and shows that', async () => {
    const calls = await start();
    await addPart('0.1');
    await addPart('0.2');
    expect(parts()).toEqual(['0.10 USD', '0.20 USD']);
    await waitFor(() => expect(total()).toBe('0.30 USD'));
    expect(byId('amount')?.textContent).toBe('');
    await waitFor(() => expect(chargeButton().textContent?.trim()).toBe('Charge 0.30 USD'));
    expect(await chargeAndGetRequest(calls)).toMatchObject({ amount: '0.30', currency: 'USD' });
  });

  test('19.99 + 0.01 carries into the whole units: 20.00', async () => {
    const calls = await start();
    await addPart('19.99');
    await addPart('0.01');
    await waitFor(() => expect(total()).toBe('20.00 USD'));
    expect((await chargeAndGetRequest(calls)).amount).toBe('20.00');
  });

  test('JPY has no decimals: 100 + 250 = 350', async () => {
    const calls = await start(withKwd({ default_currency: 'JPY' }));
    await addPart('100');
    await addPart('250');
    expect(parts()).toEqual(['100 JPY', '250 JPY']);
    await waitFor(() => expect(total()).toBe('350 JPY'));
    expect(await chargeAndGetRequest(calls)).toMatchObject({ amount: '350', currency: 'JPY' });
  });

  test('KWD has three decimals: 1.25 + 0.755 + a typed 0.005 = 2.010', async () => {
    const calls = await start(withKwd({ default_currency: 'KWD' }));
    await addPart('1.25');
    await addPart('0.755');
    expect(parts()).toEqual(['1.250 KWD', '0.755 KWD']);
    await press('0.005');
    await waitFor(() => expect(total()).toBe('2.010 KWD'));
    await waitFor(() => expect(chargeButton().textContent?.trim()).toBe('Charge 2.010 KWD'));
    expect((await chargeAndGetRequest(calls)).amount).toBe('2.010');
  });

  test('a part can be removed with its keyboard-reachable button, and the total follows', async () => {
    await start();
    await addPart('3.5');
    await addPart('12.34');
    await waitFor(() => expect(total()).toBe('15.84 USD'));
    const remove = screen.getByRole('button', { name: 'Remove 3.50' });
    expect(remove.classList.contains('remove-part')).toBe(true);
    expect(remove.tabIndex).toBe(0);
    await fireEvent.click(remove);
    expect(parts()).toEqual(['12.34 USD']);
    await waitFor(() => expect(total()).toBe('12.34 USD'));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove 12.34' }));
    expect(byId('parts')).toBeNull();
    expect(chargeButton().disabled).toBe(true);
  });

  test('"+" adds nothing for an empty entry, and nothing for one the backend refuses', async () => {
    const calls = await start();
    await press('+');
    expect(byId('parts-note')?.textContent).toMatch(/Type an amount/);
    expect(callsTo(calls, 'check_amount')).toEqual([]);

    await press('0+');
    await waitFor(() => expect(byId('amount-error')?.textContent).toBe('the amount must be more than zero'));
    expect(callsTo(calls, 'check_amount')).toContainEqual({ amount: '0', currency: 'USD' });
    expect(byId('parts')).toBeNull();
    expect(byId('amount')?.textContent).toBe('0');
    expect(chargeButton().disabled).toBe(true);
  });

  test('Charge sends parts plus the typed amount; with parts an empty entry is fine', async () => {
    const calls = await start();
    await addPart('10');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await waitFor(() => expect(chargeButton().textContent?.trim()).toBe('Charge 10.00 USD'));
    await press('5.84');
    await waitFor(() => expect(total()).toBe('15.84 USD'));
    await waitFor(() => expect(chargeButton().textContent?.trim()).toBe('Charge 15.84 USD'));
    expect(await chargeAndGetRequest(calls)).toEqual({
      gateway: 'demo',
      amount: '15.84',
      items: [],
      tip: null,
      currency: 'USD',
      description: null,
    });

    await fireEvent.click(byId('abandon')!);
    await waitFor(() => expect(byId('screen-charge')).not.toBeNull());
    expect(byId('parts')).toBeNull();
    expect(chargeButton().disabled).toBe(true);
  });

  test('an invalid entry next to parts keeps Charge disabled', async () => {
    await start();
    await addPart('5');
    await press('0');
    await waitFor(() => expect(byId('amount-error')).not.toBeNull());
    expect(chargeButton().disabled).toBe(true);
  });

  test('a total over the per-sale maximum is refused even though each part is fine', async () => {
    const calls = await start();
    await addPart('999999');
    await addPart('2');
    await waitFor(() => expect(byId('total-error')?.textContent).toMatch(/too large/));
    expect(chargeButton().disabled).toBe(true);
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(callsTo(calls, 'charge')).toEqual([]);
  });

  test('Backspace edits only the entry; Esc clears parts and entry', async () => {
    await start();
    await addPart('3.5');
    await press('12');
    await fireEvent.keyDown(document.body, { key: 'Backspace' });
    expect(byId('amount')?.textContent).toBe('1');
    expect(parts()).toEqual(['3.50 USD']);
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(byId('amount')?.textContent).toBe('');
    expect(byId('parts')).toBeNull();
    expect(byId('total')).toBeNull();
    expect(chargeButton().disabled).toBe(true);
  });

  test('the physical "+" key adds a part, shown with the decimal comma, sent with a point', async () => {
    const calls = await start(withKwd({ decimal_comma: true }));
    for (const key of ['3', ',', '5', '+', '1', '0', '+']) await fireEvent.keyDown(document.body, { key });
    await waitFor(() => expect(parts()).toEqual(['3,50 USD', '10,00 USD']));
    // The backend gets one form whatever the shop's style: digits and ".".
    expect(callsTo(calls, 'check_amount')).toContainEqual({ amount: '3.5', currency: 'USD' });
    await waitFor(() => expect(total()).toBe('13,50 USD'));
    expect(screen.getByRole('button', { name: 'Remove 3,50' })).toBeTruthy();
    expect((await chargeAndGetRequest(calls)).amount).toBe('13.50');
  });

  test('with parts the currency cannot change until they are cleared', async () => {
    await start();
    const currency = byId('currency') as HTMLSelectElement;
    expect(currency.disabled).toBe(false);
    await addPart('4');
    expect(currency.disabled).toBe(true);
    expect(byId('currency-locked')?.textContent).toMatch(/clear them/);
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(currency.disabled).toBe(false);
    expect(byId('currency-locked')).toBeNull();
  });

  test('while a "+" is being checked, Charge waits for it and Esc drops it', async () => {
    const boot = withKwd();
    const held = deferred<void>();
    const calls = await start(boot, {
      check_amount: async (args) => {
        if (args.amount === '7') await held.promise;
        return checkAmount(boot)(args);
      },
    });
    await addPart('2');
    await press('7+');
    expect(byId('amount')?.textContent).toBe(''); // taken at once: typing now starts the next part
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(chargeButton().disabled).toBe(true);
    expect(callsTo(calls, 'charge')).toEqual([]);

    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(byId('parts')).toBeNull();
    expect(byId('currency-locked')).not.toBeNull(); // still waiting for the held "+"
    held.resolve();
    await waitFor(() => expect(byId('currency-locked')).toBeNull()); // the held answer has landed
    expect(byId('parts')).toBeNull();
    expect(callsTo(calls, 'charge')).toEqual([]);
  });
});

