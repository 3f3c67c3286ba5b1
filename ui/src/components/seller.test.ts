import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { CashierView } from '../bindings/CashierView';
import type { SellerView } from '../bindings/SellerView';
import type { ShiftView } from '../bindings/ShiftView';
import { fromMinor, toMinor } from '../lib/money';
import { bootstrapReply, byId, callsTo, rejection, startApp } from '../test/backend';

const ANA: CashierView = { id: 1, name: 'Ana', active: true };
const BEN: CashierView = { id: 2, name: 'Ben', active: true };
const GONE: CashierView = { id: 3, name: 'Gone', active: false };
const NOW = Math.floor(Date.now() / 1000);

/** A till with cashiers, as the backend keeps it: one signed in at a time, one shift open at a time. */
function sellerBackend(start: Partial<SellerView> = {}) {
  const state: SellerView = { cashiers_required: true, cashier: null, shift: null, ...start };
  const view = (): SellerView => ({ ...state });
  return {
    state,
    handlers: {
      seller: view,
      cashiers: () => [ANA, BEN, GONE],
      sign_in: ({ cashierId, pin }: Record<string, unknown>) => {
        if (pin !== '2468') throw rejection('wrong_pin', 'wrong PIN');
        state.cashier = [ANA, BEN].find((c) => c.id === cashierId) ?? null;
        return view();
      },
      sign_out: () => ((state.cashier = null), view()),
      open_shift: ({ float, currency }: Record<string, unknown>) => {
        state.shift = shift({ float: String(float), currency: String(currency) });
        return view();
      },
      close_shift: ({ counted }: Record<string, unknown>) => {
        const closed = { ...state.shift!, closed_at: NOW, counted: String(counted), expected: '120.00' };
        state.shift = null;
        // The backend's own arithmetic, exact: counted − 120.00 expected.
        const cents = toMinor(String(counted), 2)! - 12000n;
        closed.over_short = `${cents < 0n ? '-' : ''}${fromMinor(cents < 0n ? -cents : cents, 2)}`;
        return closed;
      },
    },
  };
}

function shift(overrides: Partial<ShiftView> = {}): ShiftView {
  return {
    id: 5,
    cashier: 'Ana',
    currency: 'USD',
    float: '100.00',
    opened_at: NOW,
    closed_at: null,
    counted: null,
    expected: '100.00',
    over_short: null,
    ...overrides,
  };
}

describe('the seller bar', () => {
  test('shows nothing on a till without cashiers', async () => {
    const calls = await startApp();
    expect(callsTo(calls, 'seller')).toHaveLength(1);
    expect(byId('sign-in')).toBeNull();
    expect(byId('seller-name')).toBeNull();
  });

  test('signs a cashier in: a wrong PIN is refused with a hint, the right one signs in', async () => {
    const backend = sellerBackend();
    const calls = await startApp(backend.handlers);
    await waitFor(() => expect(byId('sign-in')).not.toBeNull());
    await fireEvent.click(byId('sign-in')!);
    // Only active cashiers can be chosen.
    await waitFor(() => expect(document.querySelectorAll('#sign-in-cashier option')).toHaveLength(2));
    const select = byId('sign-in-cashier') as HTMLSelectElement;
    select.value = '2';
    await fireEvent.change(select);

    await fireEvent.input(byId('sign-in-pin')!, { target: { value: '1111' } });
    await fireEvent.click(byId('sign-in-submit')!);
    await waitFor(() => expect(byId('sign-in-error')?.textContent).toBe('wrong PIN'));
    expect(byId('sign-in-error-hint')?.textContent).toBe('Type your PIN again, digit by digit.');
    expect((byId('sign-in-pin') as HTMLInputElement).value).toBe('');

    await fireEvent.input(byId('sign-in-pin')!, { target: { value: '2468' } });
    await fireEvent.click(byId('sign-in-submit')!);
    await waitFor(() => expect(byId('seller-name')?.textContent).toBe('Ben'));
    expect(byId('sign-in-dialog')).toBeNull();
    expect(callsTo(calls, 'sign_in')).toEqual([
      { cashierId: 2, pin: '1111' },
      { cashierId: 2, pin: '2468' },
    ]);
    // Signed in, no shift yet: opening one is what the next sale needs.
    expect(byId('open-shift')).not.toBeNull();
    expect(byId('close-shift')).toBeNull();

    await fireEvent.click(byId('sign-out')!);
    await waitFor(() => expect(byId('sign-in')).not.toBeNull());
    expect(byId('seller-name')).toBeNull();
  });

  test('a locked-out sign-in says to wait', async () => {
    await startApp({
      ...sellerBackend().handlers,
      sign_in: () => {
        throw rejection('pin_locked_out', 'too many wrong PINs: try again in 60 seconds');
      },
    });
    await waitFor(() => expect(byId('sign-in')).not.toBeNull());
    await fireEvent.click(byId('sign-in')!);
    await waitFor(() => expect(document.querySelectorAll('#sign-in-cashier option')).toHaveLength(2));
    await fireEvent.input(byId('sign-in-pin')!, { target: { value: '2468' } });
    await fireEvent.click(byId('sign-in-submit')!);
    await waitFor(() => expect(byId('sign-in-error')?.textContent).toContain('try again in 60 seconds'));
    expect(byId('sign-in-error-hint')?.textContent).toBe('Too many wrong PINs: wait, then try again.');
  });

  test('opens a shift with the float in the wire form, from a decimal-comma till', async () => {
    const backend = sellerBackend({ cashier: ANA });
    const calls = await startApp({
      ...backend.handlers,
      bootstrap: () => bootstrapReply({ decimal_comma: true, default_currency: 'EUR' }),
    });
    await waitFor(() => expect(byId('open-shift')).not.toBeNull());
    await fireEvent.click(byId('open-shift')!);
    expect((byId('shift-currency') as HTMLSelectElement).value).toBe('EUR');
    await fireEvent.input(byId('shift-float')!, { target: { value: '100,50' } });
    await fireEvent.click(byId('shift-open-submit')!);
    await waitFor(() => expect(byId('close-shift')).not.toBeNull());
    expect(callsTo(calls, 'open_shift')).toEqual([{ float: '100.50', currency: 'EUR' }]);
    expect(byId('open-shift-dialog')).toBeNull();
    expect(byId('shift-state')?.textContent).toContain('Shift open since');
  });

  test('an empty float opens the shift with 0', async () => {
    const calls = await startApp(sellerBackend({ cashier: ANA }).handlers);
    await waitFor(() => expect(byId('open-shift')).not.toBeNull());
    await fireEvent.click(byId('open-shift')!);
    await fireEvent.click(byId('shift-open-submit')!);
    await waitFor(() => expect(callsTo(calls, 'open_shift')).toEqual([{ float: '0', currency: 'USD' }]));
  });

  test('closing a shift shows expected, counted and short', async () => {
    const calls = await startApp(sellerBackend({ cashier: ANA, shift: shift() }).handlers);
    await waitFor(() => expect(byId('close-shift')).not.toBeNull());
    await fireEvent.click(byId('close-shift')!);
    await fireEvent.input(byId('shift-counted')!, { target: { value: '118.00' } });
    await fireEvent.click(byId('shift-close-submit')!);
    await waitFor(() => expect(byId('shift-result')).not.toBeNull());
    expect(callsTo(calls, 'close_shift')).toEqual([{ counted: '118.00' }]);
    expect(byId('shift-expected')?.textContent).toBe('120.00 USD');
    expect(byId('shift-counted-result')?.textContent).toBe('118.00 USD');
    expect(byId('shift-over-short')?.textContent?.trim()).toBe('short 2.00 USD');
    // The shift is closed: the bar offers a new one, the result stays until Done.
    await waitFor(() => expect(byId('open-shift')).not.toBeNull());
    await fireEvent.click(byId('shift-result-done')!);
    expect(byId('close-shift-dialog')).toBeNull();
  });

  test('closing a shift over, counted in the shop style', async () => {
    const calls = await startApp({
      ...sellerBackend({ cashier: ANA, shift: shift() }).handlers,
      bootstrap: () => bootstrapReply({ decimal_comma: true }),
    });
    await waitFor(() => expect(byId('close-shift')).not.toBeNull());
    await fireEvent.click(byId('close-shift')!);
    // Nothing typed: asked for, not sent.
    await fireEvent.click(byId('shift-close-submit')!);
    expect(byId('shift-close-error')?.textContent).toBe('Type the cash counted first.');
    await fireEvent.input(byId('shift-counted')!, { target: { value: '121,50' } });
    await fireEvent.click(byId('shift-close-submit')!);
    await waitFor(() => expect(byId('shift-over-short')?.textContent?.trim()).toBe('over 1,50 USD'));
    expect(callsTo(calls, 'close_shift')).toEqual([{ counted: '121.50' }]);
  });

  test("a charge refused for want of a cashier shows the backend's message, and Sign in is at hand", async () => {
    await startApp({
      ...sellerBackend().handlers,
      charge: () => {
        throw rejection('cashier_required', 'a cashier must sign in before selling');
      },
    });
    await waitFor(() => expect(byId('sign-in')).not.toBeNull());
    for (const key of ['5', '0']) await fireEvent.click(document.querySelector(`button[data-key="${key}"]`)!);
    await waitFor(() => expect((byId('charge') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(byId('charge')!);
    await waitFor(() => expect(document.body.textContent).toContain('a cashier must sign in before selling'));
  });
});
