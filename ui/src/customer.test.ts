import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, test } from 'vitest';
import type { CustomerView } from './bindings/CustomerView';
import CustomerDisplay from './CustomerDisplay.svelte';
import { locale } from './lib/i18n.svelte';
import { byId, callsTo, deferred, invoiceView, mockBackend, QR_SVG, sendInvoiceUpdate, sendSaleStatus, startApp } from './test/backend';

afterEach(() => {
  locale.lang = 'en';
});

const SALE = invoiceView({ order_id: 'PD-CUST-1', amount: '12.34', description: 'Secret note about table 4' });

function customerView(invoice: CustomerView['invoice'], overrides: Partial<CustomerView> = {}): CustomerView {
  return { shop_name: 'Corner Café', language: 'en', decimal_comma: false, invoice, ...overrides };
}

const OPEN: CustomerView['invoice'] = {
  order_id: SALE.order_id,
  amount: '12.34',
  currency: 'USD',
  qr_svg: QR_SVG,
  status: 'pending',
  is_final: false,
  priced: null,
};

function screenState() {
  return byId('customer-screen')?.dataset.state;
}

describe('the customer-facing window', () => {
  test('welcomes with the shop name when no sale is open', async () => {
    const calls = mockBackend({ customer_display: () => customerView(null) });
    render(CustomerDisplay);
    await waitFor(() => expect(byId('customer-welcome')?.textContent).toBe('Corner Café'));
    expect(screenState()).toBe('idle');
    expect(byId('customer-screen')?.textContent).toContain('Welcome');
    expect(callsTo(calls, 'customer_display')).toHaveLength(1);
  });

  test('shows only the amount and the QR while a sale is open, then thanks once it is paid', async () => {
    mockBackend({ customer_display: () => customerView(OPEN) });
    render(CustomerDisplay);
    await waitFor(() => expect(byId('customer-amount')?.textContent).toBe('12.34 USD'));
    expect(byId('customer-qr')?.querySelector('svg')).not.toBeNull();
    expect(byId('customer-welcome')).toBeNull();
    expect(byId('customer-screen')?.textContent).not.toContain(SALE.order_id);

    // The cashier's full update is not for this window: it listens to the status-only event.
    await sendInvoiceUpdate({ ...SALE, status: 'paid', is_final: true });
    expect(screenState()).toBe('invoice');
    // Another sale's update changes nothing; this one's payment thanks the customer.
    await sendSaleStatus(invoiceView({ order_id: 'PD-OTHER', status: 'paid', is_final: true }));
    expect(screenState()).toBe('invoice');
    await sendSaleStatus({ ...SALE, status: 'paid', is_final: true });
    await waitFor(() => expect(byId('customer-thanks')?.textContent).toContain('Thank you!'));
    expect(byId('customer-qr')).toBeNull();
    expect(byId('customer-screen')?.textContent).toContain('12.34 USD paid');
    // A stale update cannot take a paid sale back.
    await sendSaleStatus({ ...SALE, status: 'pending', is_final: false });
    expect(screenState()).toBe('paid');
  });

  test('a sale charged in another currency shows both amounts: the charged one and the price', async () => {
    const priced = { amount: '18.50', currency: 'EUR', rate: '1.0512', source: 'ECB', as_of: 1_796_256_000 };
    mockBackend({
      customer_display: () => customerView({ ...OPEN, amount: '19.45', currency: 'USD', priced }, { decimal_comma: true }),
    });
    render(CustomerDisplay);
    await waitFor(() => expect(byId('customer-amount')?.textContent).toBe('19,45 USD'));
    expect(byId('customer-priced')?.textContent?.trim()).toBe('Price: 18,50 EUR');
  });

  test('a sale priced in the currency it is charged in shows one amount', async () => {
    mockBackend({ customer_display: () => customerView(OPEN) });
    render(CustomerDisplay);
    await waitFor(() => expect(byId('customer-amount')).not.toBeNull());
    expect(byId('customer-priced')).toBeNull();
  });

  test('follows what the cashier window shows, and a sale that ends unpaid goes back to the welcome', async () => {
    mockBackend({ customer_display: () => customerView(null) });
    render(CustomerDisplay);
    await waitFor(() => expect(screenState()).toBe('idle'));
    await emit('customer-display', customerView({ ...OPEN, status: 'underpaid' }, { decimal_comma: true }));
    await waitFor(() => expect(byId('customer-amount')?.textContent).toBe('12,34 USD'));
    expect(byId('customer-screen')?.textContent).toContain('pay the rest');
    await sendSaleStatus({ ...SALE, status: 'expired', is_final: true });
    await waitFor(() => expect(screenState()).toBe('idle'));
    await emit('customer-display', customerView(null));
    expect(byId('customer-welcome')).not.toBeNull();
  });

  test('an event that arrives while it asks wins over the older answer', async () => {
    const answer = deferred<CustomerView>();
    mockBackend({ customer_display: () => answer.promise });
    render(CustomerDisplay);
    await waitFor(() => expect(byId('customer-screen')).not.toBeNull());
    await emit('customer-display', customerView(OPEN));
    await waitFor(() => expect(screenState()).toBe('invoice'));
    answer.resolve(customerView(null));
    await answer.promise;
    // One macrotask turn: every promise callback the answer set off has run by then.
    await new Promise((r) => setTimeout(r, 0));
    expect(screenState()).toBe('invoice');
  });

  test("speaks the till's language", async () => {
    mockBackend({ customer_display: () => customerView(OPEN, { language: 'es' }) });
    render(CustomerDisplay);
    await waitFor(() => expect(byId('customer-screen')?.textContent).toContain('Escanee el código para pagar'));
  });
});

describe('the cashier window drives it', () => {
  test('the top bar toggle opens and closes it, and hears when it was closed by hand', async () => {
    let open = false;
    const calls = await startApp({ toggle_customer_display: () => (open = !open) });
    const toggle = byId('customer-display')!;
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    await fireEvent.click(toggle);
    await waitFor(() => expect(toggle.getAttribute('aria-pressed')).toBe('true'));
    await emit('customer-display-closed', null);
    await waitFor(() => expect(toggle.getAttribute('aria-pressed')).toBe('false'));
    expect(callsTo(calls, 'toggle_customer_display')).toHaveLength(1);
  });

  test('showing an invoice puts it on the customer display; New sale puts the welcome back', async () => {
    const paid = { ...SALE, status: 'paid' as const, is_final: true };
    const calls = await startApp({ history: () => [paid] });
    await fireEvent.click(byId('nav-history')!);
    await waitFor(() => expect(document.querySelector('.history-row .row-open')).not.toBeNull());
    await fireEvent.click(document.querySelector('.history-row .row-open')!);
    await waitFor(() => expect(byId('new-sale')).not.toBeNull());
    expect(callsTo(calls, 'show_on_customer_display')).toEqual([{ key: SALE.order_id }]);
    await fireEvent.click(byId('new-sale')!);
    expect(callsTo(calls, 'show_on_customer_display')).toEqual([{ key: SALE.order_id }, { key: null }]);
  });
});
