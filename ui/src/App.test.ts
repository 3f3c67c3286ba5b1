import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import App from './App.svelte';
import type { ErrorCode } from './bindings/ErrorCode';
import type { InvoiceView } from './bindings/InvoiceView';
import { SALE_UNKNOWN_HINT } from './lib/format';
import {
  bootstrapReply,
  byId,
  callsTo,
  deferred,
  invoiceView,
  mockBackend,
  rejection,
  sendInvoiceUpdate,
  startApp,
} from './test/backend';

function click(key: string) {
  const button = document.querySelector<HTMLButtonElement>(`button[data-key="${key}"]`);
  if (!button) throw new Error(`no keypad button ${key}`);
  return fireEvent.click(button);
}

async function typeAmount(keys: string) {
  for (const key of keys) await click(key);
}

function chargeButton(): HTMLButtonElement {
  return byId('charge') as HTMLButtonElement;
}

async function chargeAndShowInvoice(invoice: InvoiceView, handlers: Parameters<typeof startApp>[0] = {}) {
  const calls = await startApp({ charge: () => invoice, ...handlers });
  await typeAmount('12.34');
  await waitFor(() => expect(chargeButton().disabled).toBe(false));
  await fireEvent.click(chargeButton());
  await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
  return calls;
}

describe('charge screen', () => {
  test('starts on the last used gateway and the default currency, with an empty amount', async () => {
    await startApp({ bootstrap: () => bootstrapReply({ last_gateway: 'dex3', default_currency: 'USD' }) });
    expect((byId('gateway') as HTMLSelectElement).value).toBe('dex3');
    expect((byId('currency') as HTMLSelectElement).value).toBe('USD');
    expect(byId('amount')?.textContent).toBe('');
    expect(chargeButton().disabled).toBe(true);
    expect(byId('screen-history')).toBeNull();
  });

  test('a gateway that charges another currency only says the till converts: the quote decides Charge', async () => {
    await startApp();
    await typeAmount('5');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    const currency = byId('currency') as HTMLSelectElement;
    currency.value = 'EUR';
    await fireEvent.change(currency);
    const gateway = byId('gateway') as HTMLSelectElement;
    gateway.value = 'dex3';
    await fireEvent.change(gateway);
    expect(byId('currency-warning')?.textContent).toBe("Dex3 charges in USD: converted at the till's rate");
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
  });

  test('the physical keyboard types with the decimal comma the settings use', async () => {
    await startApp({ bootstrap: () => bootstrapReply({ decimal_comma: true }) });
    for (const key of ['1', '2', '.', '5', ',', '0', '9']) await fireEvent.keyDown(document.body, { key });
    // Fired a few ms apart, like a scanner's burst; with no Enter after it, it is typing, given
    // back once the scanner's gap has passed.
    await waitFor(() => expect(byId('amount')?.textContent).toBe('12,50'));
    await fireEvent.keyDown(document.body, { key: 'Backspace' });
    expect(byId('amount')?.textContent).toBe('12,5');
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(byId('amount')?.textContent).toBe('');
  });

  test('a bad amount explains itself before Charge, and Charge is disabled', async () => {
    const calls = await startApp({
      check_amount: ({ amount }) => {
        if (amount === '0') throw rejection('bad_amount', 'the amount must be more than zero');
        return { amount, currency: 'USD' };
      },
    });
    await typeAmount('0');
    await waitFor(() => expect(byId('amount-error')?.textContent).toBe('the amount must be more than zero'));
    expect(chargeButton().disabled).toBe(true);
    expect(callsTo(calls, 'check_amount')).toContainEqual({ amount: '0', currency: 'USD' });

    await typeAmount('5');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    expect(byId('amount-error')).toBeNull();
  });

  test('while the charge is in flight, #charging shows and Charge cannot be pressed again', async () => {
    const reply = deferred<InvoiceView>();
    const calls = await startApp({ charge: () => reply.promise });
    await typeAmount('12.34');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));

    await fireEvent.keyDown(document.body, { key: 'Enter' });
    await waitFor(() => expect(byId('charging')).not.toBeNull());
    expect(chargeButton().disabled).toBe(true);
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    await fireEvent.keyDown(document.body, { key: 'Enter', repeat: true });
    await fireEvent.click(chargeButton());
    expect(callsTo(calls, 'charge')).toEqual([
      { request: { gateway: 'demo', amount: '12.34', items: [], tip: null, currency: 'USD', description: null } },
    ]);

    reply.resolve(invoiceView());
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
  });

  test('a failed charge shows the backend message, keeps the amount, and a held Enter does not retry', async () => {
    const calls = await startApp({
      charge: () => {
        throw rejection('gateway_refused', 'Demo refused the invoice: merchant disabled');
      },
    });
    await typeAmount('7');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('charge-error')?.textContent).toBe('Demo refused the invoice: merchant disabled'));
    expect(byId('amount')?.textContent).toBe('7');
    expect(byId('charging')).toBeNull();
    await fireEvent.keyDown(document.body, { key: 'Enter', repeat: true });
    expect(callsTo(calls, 'charge')).toHaveLength(1);
  });
});

describe('charge errors where the sale may exist', () => {
  async function failCharge(code: ErrorCode) {
    await startApp({
      charge: () => {
        throw rejection(code, `charge failed with ${code}`);
      },
    });
    await typeAmount('7');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('charge-error')?.textContent).toBe(`charge failed with ${code}`));
    return byId('charge-error-hint')?.textContent ?? null;
  }

  test('sale_unknown: the customer may still pay, so no cash is offered, and the sale can be checked', async () => {
    const found = invoiceView({
      order_id: 'PD-20261204-LOST0001',
      status: 'pending',
      pay_link: 'http://127.0.0.1:8787/demo/pay/lost-1',
    });
    const calls = await startApp({
      charge: () => {
        throw rejection('sale_unknown', 'the gateway did not answer in time', found.order_id);
      },
      retry_invoice: () => found,
    });
    await typeAmount('7');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('charge-error')?.textContent).toBe('the gateway did not answer in time'));
    expect(byId('charge-error-hint')?.textContent).toBe(SALE_UNKNOWN_HINT);
    expect(SALE_UNKNOWN_HINT).toBe('The customer may still pay this invoice. Check it before charging again.');
    // Cash would let the customer pay twice: the invoice may be live.
    expect(byId('offline')).toBeNull();
    expect(byId('offline-cash')).toBeNull();
    expect(byId('screen-charge')?.textContent).not.toContain('Take cash instead');
    expect(byId('sale-unknown')?.dataset.orderId).toBe(found.order_id);
    expect(byId('check-sale')?.textContent?.trim()).toBe('Check this sale');
    await fireEvent.click(byId('check-sale')!);
    // The invoice the gateway has is opened like a fresh charge.
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
    expect(byId('invoice-order')?.textContent).toBe(found.order_id);
    expect(byId('pay-link')?.textContent).toBe('http://127.0.0.1:8787/demo/pay/lost-1');
    expect(callsTo(calls, 'retry_invoice')).toEqual([{ key: found.order_id }]);
    expect(callsTo(calls, 'charge')).toHaveLength(1);
  });

  test('checking an unknown sale that cannot be re-sent shows how to check, and still offers no cash', async () => {
    const how =
      'OxaPay could not confirm whether it holds an invoice for PD-20261204-LOST0002, and sending it again could make a second one the customer might also pay: look for PD-20261204-LOST0002 on the OxaPay dashboard; if it is there, the customer can still pay it; if not, start a new sale';
    const calls = await startApp({
      charge: () => {
        throw rejection('sale_unknown', 'the connection broke', 'PD-20261204-LOST0002');
      },
      retry_invoice: () => {
        throw rejection('retry_unsafe', how);
      },
    });
    await typeAmount('7');
    await waitFor(() => expect(chargeButton().disabled).toBe(false));
    await fireEvent.click(chargeButton());
    await waitFor(() => expect(byId('check-sale')).not.toBeNull());
    await fireEvent.click(byId('check-sale')!);
    await waitFor(() => expect(byId('check-error')?.textContent).toBe(how));
    expect(byId('check-error-hint')?.textContent).toBe(
      'Look for the order on the gateway’s dashboard before you charge again.',
    );
    // The sale is still unknown: its warning stays, and cash is still not offered.
    expect(byId('charge-error-hint')?.textContent).toBe(SALE_UNKNOWN_HINT);
    expect(byId('offline')).toBeNull();
    expect(byId('screen-invoice')).toBeNull();
    expect(callsTo(calls, 'retry_invoice')).toEqual([{ key: 'PD-20261204-LOST0002' }]);
  });

  test.each<ErrorCode>(['timeout', 'gateway_bad_response', 'gateway_unavailable', 'sale_unknown'])(
    '%s: no "Take cash instead" (only a charge that was never sent offers it)',
    async (code) => {
      await failCharge(code);
      expect(byId('offline')).toBeNull();
      expect(byId('offline-cash')).toBeNull();
    },
  );

  test.each<ErrorCode>(['gateway_refused', 'missing_credential', 'duplicate_order', 'bad_amount'])(
    '%s: no retry-from-History hint (the sale does not exist)',
    async (code) => {
      const hint = await failCharge(code);
      expect(hint).not.toBe(SALE_UNKNOWN_HINT);
      expect(byId('screen-charge')?.textContent).not.toContain('History');
      expect(byId('offline')).toBeNull();
      expect(byId('check-sale')).toBeNull();
    },
  );

  test('offline: the charge explains the network is down and offers to take the amount as cash', async () => {
    // `network` means no connection could be made: nothing was sent, so cash is safe.
    expect(await failCharge('network')).toBe('Nothing was sent. Check the internet connection, then try again.');
    expect(byId('check-sale')).toBeNull();
    expect(byId('offline')?.textContent).toMatch(/network may be down/);
    await fireEvent.click(byId('offline-cash')!);
    await waitFor(() => expect(byId('cash-dialog')).not.toBeNull());
    expect((byId('cash-amount') as HTMLInputElement).value).toBe('7');
  });
});

describe('invoice screen', () => {
  test('a sale whose gateway gave no invoice id says Paydesk is looking it up, then why the follow stopped', async () => {
    const boot = bootstrapReply();
    boot.gateways[0].lookup = 'search';
    // NonStoPay gives no expiry either: no countdown then.
    const sale = invoiceView({ gateway_invoice_id: null, gateway_name: 'NonStoPay', expires_at: null });
    await chargeAndShowInvoice(sale, { bootstrap: () => boot });
    expect(byId('invoice-note')?.textContent).toContain('NonStoPay gave no invoice number');
    expect(byId('invoice-note')?.textContent).toContain('NonStoPay dashboard');
    expect(byId('countdown')).toBeNull();
    const stopped = 'no final answer from NonStoPay a day after it was made: stopped asking.';
    await sendInvoiceUpdate({ ...sale, last_error: stopped });
    await waitFor(() => expect(byId('invoice-note')?.textContent).toBe(stopped));
    // Found after all: the id is known, so the lookup note goes.
    await sendInvoiceUpdate({ ...sale, gateway_invoice_id: 'nsp-77', last_error: null });
    await waitFor(() => expect(byId('invoice-note')).toBeNull());
    // An unknown sale whose follow stopped says why in its end panel.
    await sendInvoiceUpdate({ ...sale, status: 'unknown', last_error: stopped });
    await waitFor(() => expect(byId('end-state')?.textContent).toContain(`Note: ${stopped}`));
  });

  test('a charge shows the invoice: amount, gateway, link, QR, status and countdown', async () => {
    const calls = await chargeAndShowInvoice(invoiceView());
    expect(byId('screen-charge')).toBeNull();
    expect(byId('invoice-amount')?.textContent?.trim()).toBe('12.34 USD');
    expect(byId('invoice-gateway')?.textContent).toBe('Demo');
    expect(byId('pay-link')?.textContent).toBe('http://127.0.0.1:8787/demo/pay/demo-1');
    await waitFor(() => expect(byId('qr')?.querySelector('svg')).not.toBeNull());
    expect(callsTo(calls, 'invoice_qr')).toEqual([{ key: 'PD-20261123-AAAA1111' }]);
    expect(byId('status')?.dataset.status).toBe('pending');
    expect(byId('status')?.textContent).toBe('Waiting for payment');
    expect(byId('countdown')?.textContent).toMatch(/^1[45]:\d\d$/);
    expect(byId('end-state')).toBeNull();
  });

  test('an invoice-updated event for this order with status paid shows the paid end state', async () => {
    await chargeAndShowInvoice(invoiceView());
    await sendInvoiceUpdate(invoiceView({ order_id: 'PD-OTHER', status: 'paid', is_final: true }));
    expect(byId('status')?.dataset.status).toBe('pending');

    await sendInvoiceUpdate(invoiceView({ status: 'paid', is_final: true }));
    await waitFor(() => expect(byId('end-state')?.dataset.status).toBe('paid'));
    expect(byId('end-state')?.textContent).toContain('Paid');
    expect(byId('status')?.dataset.status).toBe('paid');
    expect(byId('status')?.textContent).toBe('Paid');
    expect(byId('countdown')).toBeNull();
    expect(document.activeElement?.id).toBe('new-sale');
  });

  test('New sale returns to an empty keypad, whatever was typed before', async () => {
    const done = invoiceView({ status: 'paid', is_final: true });
    await startApp({ history: () => [done], follow_invoice: () => done });
    await typeAmount('9');
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(document.querySelector('.history-row')).not.toBeNull());
    await fireEvent.click(document.querySelector('.history-row')!);
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());

    await fireEvent.click(byId('new-sale')!);
    await waitFor(() => expect(byId('screen-charge')).not.toBeNull());
    expect(byId('screen-invoice')).toBeNull();
    expect(byId('amount')?.textContent).toBe('');
    expect(chargeButton().disabled).toBe(true);
  });
});

describe('abandon and late payments', () => {
  test('Next customer marks the open sale abandoned and frees the keypad; a later payment is raised', async () => {
    const calls = await chargeAndShowInvoice(invoiceView());
    expect(byId('new-sale')).toBeNull();
    await fireEvent.click(byId('abandon')!);
    await waitFor(() => expect(byId('screen-charge')).not.toBeNull());
    expect(callsTo(calls, 'abandon_invoice')).toEqual([{ key: invoiceView().order_id }]);
    expect(byId('late-notices')).toBeNull();

    const late = invoiceView({ status: 'paid_late', is_final: true, abandoned_at: 1 });
    await sendInvoiceUpdate(late);
    await waitFor(() => expect(byId('late-notices')).not.toBeNull());
    const notice = document.querySelector<HTMLElement>('.late-notice')!;
    expect(notice.getAttribute('role')).toBe('alert');
    expect(notice.textContent).toContain('Paid late: 12.34 USD, order PD-20261123-AAAA1111');
    expect(byId('screen-charge')).not.toBeNull(); // the cashier is not pulled away from the keypad

    await sendInvoiceUpdate(late); // the same news twice is one notice
    expect(document.querySelectorAll('.late-notice')).toHaveLength(1);

    await fireEvent.click(notice.querySelector<HTMLElement>('.late-show')!);
    await waitFor(() => expect(byId('end-state')?.dataset.status).toBe('paid_late'));
    expect(byId('end-state')?.textContent).toMatch(/refund/i);
    await fireEvent.click(document.querySelector<HTMLElement>('.late-dismiss')!);
    await waitFor(() => expect(byId('late-notices')).toBeNull());
  });

  test('an abandon the backend refuses keeps the invoice on screen and says why', async () => {
    await chargeAndShowInvoice(invoiceView(), {
      abandon_invoice: () => {
        throw rejection('already_final', 'sale PD-1 is already paid: there is nothing left to wait for');
      },
    });
    await fireEvent.click(byId('abandon')!);
    await waitFor(() => expect(document.body.textContent).toContain('already paid'));
    expect(byId('screen-invoice')).not.toBeNull();
  });

  test('leaving an open invoice by the nav abandons it (still watched) and clears the customer display', async () => {
    const calls = await chargeAndShowInvoice(invoiceView());
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(byId('screen-history')).not.toBeNull());
    expect(callsTo(calls, 'abandon_invoice')).toEqual([{ key: invoiceView().order_id }]);
    expect(callsTo(calls, 'show_on_customer_display').at(-1)).toEqual({ key: null });
    await sendInvoiceUpdate(invoiceView({ status: 'paid_late', is_final: true, abandoned_at: 1 }));
    await waitFor(() => expect(byId('late-notices')).not.toBeNull());
  });

  test('Next customer on a sale paid a moment before shows it paid instead of leaving', async () => {
    const paid = invoiceView({ status: 'paid', is_final: true });
    await chargeAndShowInvoice(invoiceView(), { abandon_invoice: () => paid });
    await fireEvent.click(byId('abandon')!);
    await waitFor(() => expect(byId('end-state')?.dataset.status).toBe('paid'));
    expect(byId('screen-invoice')).not.toBeNull();
  });

  test('late payments no cashier has seen come back at start; Dismiss tells the backend', async () => {
    const late = invoiceView({ order_id: 'PD-LATE', status: 'paid_late', is_final: true, abandoned_at: 1 });
    const calls = await startApp({ bootstrap: () => ({ ...bootstrapReply(), late_sales: [late] }), dismiss_late: () => null });
    await waitFor(() => expect(document.querySelector('.late-notice')?.textContent).toContain('PD-LATE'));
    await fireEvent.click(document.querySelector<HTMLElement>('.late-dismiss')!);
    await waitFor(() => expect(byId('late-notices')).toBeNull());
    expect(callsTo(calls, 'dismiss_late')).toEqual([{ key: 'PD-LATE' }]);
  });

  test('an expired part-paid sale tells the cashier what to do', async () => {
    await chargeAndShowInvoice(invoiceView());
    await sendInvoiceUpdate(invoiceView({ status: 'expired_partial', is_final: true }));
    await waitFor(() => expect(byId('end-state')?.dataset.status).toBe('expired_partial'));
    expect(byId('end-state')?.textContent).toMatch(/collect the rest/i);
    expect(byId('status')?.textContent).toBe('Expired, part paid');
  });
});

describe('hand-recorded entries', () => {
  test.each([
    ['refund', 'Refund paid out'],
    ['cash', 'Paid in cash'],
  ] as const)('a %s opened from History says what it was, not "payment complete"', async (kind, title) => {
    const entry = invoiceView({ kind, status: 'paid', is_final: true, pay_link: null, gateway: kind, gateway_name: kind });
    await startApp({ history: () => [entry], follow_invoice: () => entry });
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(document.querySelector('.history-row')).not.toBeNull());
    await fireEvent.click(document.querySelector('.history-row')!);
    await waitFor(() => expect(byId('end-state')).not.toBeNull());
    expect(byId('end-state')?.textContent).toContain(title);
    expect(byId('end-state')?.textContent).not.toContain('The payment is complete');
  });
});

describe('start-up', () => {
  test('tells the backend once, after bootstrap, that the keypad is interactive', async () => {
    const calls = await startApp();
    await waitFor(() => expect(callsTo(calls, 'ui_ready')).toEqual([{}]));
    const commands = calls.map((c) => c.command);
    expect(commands.indexOf('ui_ready')).toBeGreaterThan(commands.indexOf('bootstrap'));

    await fireEvent.click(byId('nav-history')!);
    await fireEvent.click(byId('nav-charge')!);
    await waitFor(() => expect(byId('screen-charge')).not.toBeNull());
    expect(callsTo(calls, 'ui_ready')).toHaveLength(1);
  });

  test('a late payment reported before the listeners were in place still shows: the state is asked again once they are', async () => {
    const late = invoiceView({ order_id: 'PD-LATE', status: 'paid_late', is_final: true, abandoned_at: 1 });
    let asked = 0;
    const calls = await startApp({
      // The first answer predates the late payment; the one asked once listening has it.
      bootstrap: () => (asked++ === 0 ? bootstrapReply() : { ...bootstrapReply(), late_sales: [late] }),
    });
    await waitFor(() => expect(document.querySelector('.late-notice')?.textContent).toContain('PD-LATE'));
    expect(callsTo(calls, 'bootstrap')).toHaveLength(2);
    expect(callsTo(calls, 'ui_ready')).toHaveLength(1);
  });

  test('a start-up that fails does not say ready', async () => {
    const calls = mockBackend({
      bootstrap: () => {
        throw rejection('ledger', 'the ledger is locked');
      },
    });
    render(App);
    await waitFor(() => expect(document.querySelector('[role="alert"]')?.textContent).toContain('the ledger is locked'));
    expect(document.documentElement.dataset.ready).toBeUndefined();
    expect(callsTo(calls, 'ui_ready')).toEqual([]);
  });
});
