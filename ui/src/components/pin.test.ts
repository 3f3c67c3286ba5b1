import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import App from '../App.svelte';
import type { ManagerStatus } from '../bindings/ManagerStatus';
import { bootstrapReply, byId, callsTo, invoiceView, mockBackend, rejection, waitUntilReady } from '../test/backend';

const PIN = '90817263';
const NOW = Math.floor(Date.now() / 1000);
const TODAY = invoiceView({ id: 1, order_id: 'PD-TODAY-1', created_at: NOW });
const EARLIER = invoiceView({ id: 2, order_id: 'PD-EARLIER-2', created_at: NOW - 3 * 86_400, is_final: true });

/** A backend that keeps a manager PIN the way the real one does: guarded commands refuse while locked. */
function managerBackend({ pinSet = true, kiosk = false } = {}) {
  const state = { pin: pinSet ? PIN : (null as string | null), unlocked: false, kiosk };
  const status = (): ManagerStatus => ({
    pin_set: state.pin !== null,
    unlocked: state.pin === null || state.unlocked,
    locked_out_seconds: 0,
  });
  const guard = () => {
    if (!status().unlocked) throw rejection('manager_pin_required', 'a manager must unlock this with the manager PIN');
  };
  const settings = () => bootstrapReply({ manager_pin_set: state.pin !== null, kiosk: state.kiosk }).settings;
  const calls = mockBackend({
    bootstrap: () => ({ ...bootstrapReply(), settings: settings() }),
    manager_status: status,
    unlock: ({ pin }) => {
      if (state.pin !== null && pin !== state.pin) throw rejection('wrong_pin', 'wrong PIN');
      state.unlocked = true;
      return status();
    },
    lock: () => {
      state.unlocked = false;
      return status();
    },
    set_manager_pin: ({ new: next }) => {
      guard();
      state.pin = next as string | null;
      state.unlocked = true;
      return status();
    },
    credentials: () => {
      guard();
      return [];
    },
    export_csv: () => {
      guard();
      return '/home/till/Downloads/paydesk-invoices.csv';
    },
    history: () => (status().unlocked ? [TODAY, EARLIER] : [TODAY]),
    leave_kiosk: () => {
      guard();
      state.kiosk = false;
      return settings();
    },
  });
  return { state, calls };
}

async function start(options: Parameters<typeof managerBackend>[0] = {}) {
  const backend = managerBackend(options);
  render(App);
  await waitUntilReady();
  return backend;
}

const dialog = () => document.querySelector<HTMLElement>('[role="dialog"]');
const pinInput = () => byId('pin-input') as HTMLInputElement;

async function typePin(pin: string) {
  await waitFor(() => expect(dialog()).not.toBeNull());
  await fireEvent.input(pinInput(), { target: { value: pin } });
  await fireEvent.click(byId('pin-submit')!);
}

describe('the PIN dialog', () => {
  test('is a modal that keeps focus inside, cancels with Esc and gives focus back', async () => {
    const { calls } = await start();
    const nav = byId('nav-settings')!;
    nav.focus();
    await fireEvent.click(nav);
    await waitFor(() => expect(dialog()).not.toBeNull());
    const modal = dialog()!;
    expect(modal.getAttribute('aria-modal')).toBe('true');
    expect(modal.getAttribute('aria-labelledby')).toBe('pin-title');
    expect(document.activeElement).toBe(pinInput());
    expect(pinInput().type).toBe('password');
    expect(pinInput().inputMode).toBe('numeric');
    expect(document.querySelector('header')!.inert).toBe(true);
    expect(document.querySelector('main')!.inert).toBe(true);

    // Tab wraps from the last control to the first and back.
    byId('pin-cancel')!.focus();
    await fireEvent.keyDown(byId('pin-cancel')!, { key: 'Tab' });
    expect(document.activeElement).toBe(pinInput());
    await fireEvent.keyDown(pinInput(), { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(byId('pin-cancel'));

    await fireEvent.keyDown(byId('pin-cancel')!, { key: 'Escape' });
    await waitFor(() => expect(dialog()).toBeNull());
    expect(document.activeElement).toBe(nav);
    expect(document.querySelector('header')!.inert).toBe(false);
    expect(byId('screen-settings')).toBeNull();
    expect(byId('screen-charge')).not.toBeNull();
    expect(callsTo(calls, 'unlock')).toHaveLength(0);
  });

  test('Settings ask for the PIN first: a wrong one is refused, the right one opens them', async () => {
    const { calls } = await start();
    await fireEvent.click(byId('nav-settings')!);
    await typePin('1111');
    await waitFor(() => expect(byId('pin-error')?.textContent).toContain('wrong PIN'));
    expect(byId('screen-settings')).toBeNull();
    expect(pinInput().value).toBe('');
    expect(document.activeElement).toBe(pinInput());

    await typePin(PIN);
    await waitFor(() => expect(byId('screen-settings')).not.toBeNull());
    expect(dialog()).toBeNull();
    expect(callsTo(calls, 'unlock')).toEqual([{ pin: '1111' }, { pin: PIN }]);
    expect(document.body.innerHTML).not.toContain(PIN);
    // Unlocked, Settings open at once and the top bar offers to lock.
    expect(byId('lock-now')).not.toBeNull();
  });

  test('an empty PIN is not sent', async () => {
    const { calls } = await start();
    await fireEvent.click(byId('nav-settings')!);
    await typePin('');
    await waitFor(() => expect(byId('pin-error')).not.toBeNull());
    expect(callsTo(calls, 'unlock')).toHaveLength(0);
  });

  test('with no PIN set nothing asks, and there is no lock button', async () => {
    const { calls } = await start({ pinSet: false });
    await fireEvent.click(byId('nav-settings')!);
    await waitFor(() => expect(byId('screen-settings')).not.toBeNull());
    expect(dialog()).toBeNull();
    expect(byId('lock-now')).toBeNull();
    expect(callsTo(calls, 'unlock')).toHaveLength(0);
  });
});

describe('a locked till', () => {
  test("History shows today's sales with a note; unlocking loads them all", async () => {
    const { calls } = await start();
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(byId('history-locked-note')).not.toBeNull());
    await waitFor(() => expect(document.querySelector('[data-order-id="PD-TODAY-1"]')).not.toBeNull());
    expect(document.querySelector('[data-order-id="PD-EARLIER-2"]')).toBeNull();

    await fireEvent.click(byId('history-unlock')!);
    await typePin(PIN);
    await waitFor(() => expect(document.querySelector('[data-order-id="PD-EARLIER-2"]')).not.toBeNull());
    expect(byId('history-locked-note')).toBeNull();
    expect(callsTo(calls, 'history').length).toBeGreaterThanOrEqual(2);
  });

  test('an export that needs a manager asks for the PIN, then goes through', async () => {
    const { calls } = await start();
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(byId('export-csv')).not.toBeNull());
    await fireEvent.click(byId('export-csv')!);
    await waitFor(() => expect(byId('pin-reason')?.textContent).toContain('needs a manager'));
    await typePin(PIN);
    await waitFor(() => expect(byId('export-result')?.textContent).toContain('paydesk-invoices.csv'));
    expect(callsTo(calls, 'export_csv')).toHaveLength(2);
  });

  test('a cancelled PIN leaves the export refused with the reason', async () => {
    const { calls } = await start();
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(byId('export-csv')).not.toBeNull());
    await fireEvent.click(byId('export-csv')!);
    await waitFor(() => expect(dialog()).not.toBeNull());
    await fireEvent.click(byId('pin-cancel')!);
    await waitFor(() => expect(document.body.textContent).toContain('a manager must unlock this'));
    expect(byId('export-result')).toBeNull();
    expect(callsTo(calls, 'export_csv')).toHaveLength(1);
  });

  test('Lock leaves Settings and asks again next time', async () => {
    const { calls } = await start();
    await fireEvent.click(byId('nav-settings')!);
    await typePin(PIN);
    await waitFor(() => expect(byId('screen-settings')).not.toBeNull());
    await fireEvent.click(byId('lock-now')!);
    await waitFor(() => expect(byId('screen-charge')).not.toBeNull());
    expect(byId('lock-now')).toBeNull();
    expect(callsTo(calls, 'lock')).toHaveLength(1);
    await fireEvent.click(byId('nav-settings')!);
    await waitFor(() => expect(dialog()).not.toBeNull());
  });

  test('kiosk mode stays on when the PIN is cancelled', async () => {
    const { calls, state } = await start({ kiosk: true });
    await fireEvent.click(byId('leave-kiosk')!);
    await waitFor(() => expect(dialog()).not.toBeNull());
    await fireEvent.click(byId('pin-cancel')!);
    await waitFor(() => expect(dialog()).toBeNull());
    expect(byId('leave-kiosk')).not.toBeNull();
    expect(state.kiosk).toBe(true);
    expect(callsTo(calls, 'leave_kiosk')).toHaveLength(0);
  });

  test("keys typed in the PIN dialog stay out of the Charge screen's keypad", async () => {
    const { calls } = await start({ kiosk: true });
    await fireEvent.click(byId('leave-kiosk')!);
    await waitFor(() => expect(dialog()).not.toBeNull());
    expect(byId('screen-charge')).not.toBeNull();
    // Not taken by the keypad's Enter (which would charge and block the form's own submit).
    expect(await fireEvent.keyDown(pinInput(), { key: 'Enter' })).toBe(true);
    await fireEvent.keyDown(byId('pin-submit')!, { key: '7' });
    expect(byId('amount')!.textContent).not.toContain('7');
    expect(callsTo(calls, 'charge')).toHaveLength(0);
  });

  test('leaving kiosk mode asks for the PIN, then leaves', async () => {
    const { calls, state } = await start({ kiosk: true });
    await fireEvent.click(byId('leave-kiosk')!);
    await waitFor(() => expect(byId('pin-reason')?.textContent).toContain('kiosk'));
    expect(callsTo(calls, 'leave_kiosk')).toHaveLength(0);
    await typePin(PIN);
    await waitFor(() => expect(byId('leave-kiosk')).toBeNull());
    expect(state.kiosk).toBe(false);
    expect(callsTo(calls, 'leave_kiosk')).toHaveLength(1);
  });
});

describe('the Manager PIN card', () => {
  async function openCard() {
    const backend = await start({ pinSet: false });
    await fireEvent.click(byId('nav-settings')!);
    await waitFor(() => expect(byId('pin-new')).not.toBeNull());
    return backend;
  }

  async function fill(next: string, confirm: string) {
    await fireEvent.input(byId('pin-new')!, { target: { value: next } });
    await fireEvent.input(byId('pin-confirm')!, { target: { value: confirm } });
    await fireEvent.click(byId('pin-save')!);
  }

  test('refuses a short PIN or two that differ without sending them', async () => {
    const { calls } = await openCard();
    await fill('12', '12');
    expect(byId('pin-message')?.textContent).toContain('4 to 12 digits');
    await fill('2468', '2469');
    expect(byId('pin-message')?.textContent).toContain('differ');
    expect(callsTo(calls, 'set_manager_pin')).toHaveLength(0);
  });

  test('sets the PIN, empties the inputs, then removes it', async () => {
    const { calls, state } = await openCard();
    expect(byId('pin-remove')).toBeNull();
    await fill(PIN, PIN);
    await waitFor(() => expect(byId('pin-message')?.textContent).toContain('Manager PIN saved'));
    expect(callsTo(calls, 'set_manager_pin')).toEqual([{ current: null, new: PIN }]);
    expect(state.pin).toBe(PIN);
    expect((byId('pin-new') as HTMLInputElement).value).toBe('');
    expect((byId('pin-confirm') as HTMLInputElement).value).toBe('');
    expect(byId('lock-now')).not.toBeNull();

    await fireEvent.click(byId('pin-remove')!);
    await waitFor(() => expect(byId('pin-message')?.textContent).toContain('removed'));
    expect(callsTo(calls, 'set_manager_pin')[1]).toEqual({ current: null, new: null });
    expect(state.pin).toBeNull();
    expect(byId('lock-now')).toBeNull();
  });
});
