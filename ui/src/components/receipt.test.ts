import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { ReceiptView } from '../bindings/ReceiptView';
import { byId, callsTo, deferred, invoiceView, mockBackend, QR_SVG, rejection, startApp } from '../test/backend';

const PAID = invoiceView({ id: 7, order_id: 'PD-PAID-1', status: 'paid', is_final: true, created_at: 1_795_436_100 });

function receiptView(sale: InvoiceView, overrides: Partial<ReceiptView['receipt']> = {}): ReceiptView {
  return {
    receipt: {
      shop_name: 'Corner Café',
      title: 'Receipt',
      items: [],
      tax_columns: [],
      taxes: [],
      lines: [
        { label: 'Time', value: '2026-11-23 13:15 UTC+01:00', strong: false },
        { label: 'Order', value: sale.order_id, strong: false },
        { label: 'Status', value: 'Paid', strong: false },
        { label: 'Amount', value: '12.34 USD', strong: true },
      ],
      order_id: sale.order_id,
      pay_link: sale.pay_link,
      ...overrides,
    },
    qr_svg: QR_SVG,
  };
}

type Handlers = Parameters<typeof mockBackend>[0];

async function openHistory(handlers: Handlers = {}) {
  const calls = await startApp({
    history: () => [PAID],
    receipt: () => receiptView(PAID),
    save_receipt_pdf: () => `/home/till/Downloads/receipt-${PAID.order_id}.pdf`,
    print_page: () => null,
    ...handlers,
  });
  await fireEvent.click(byId('nav-history')!);
  await waitFor(() => expect(document.querySelector('.receipt-row')).not.toBeNull());
  return calls;
}

function receiptButton(): HTMLButtonElement {
  return document.querySelector<HTMLButtonElement>(`.history-row[data-order-id="${PAID.order_id}"] .receipt-row`)!;
}

async function openPreview(handlers: Handlers = {}) {
  const calls = await openHistory(handlers);
  await fireEvent.click(receiptButton());
  await waitFor(() => expect(byId('receipt-preview')).not.toBeNull());
  return calls;
}

describe('receipt preview from History', () => {
  test("a row's Receipt button shows the backend's lines and code, without opening the sale", async () => {
    const calls = await openPreview();
    await waitFor(() => expect(byId('receipt')).not.toBeNull());
    expect(callsTo(calls, 'receipt')).toEqual([{ key: PAID.order_id }]);
    const receipt = byId('receipt')!;
    expect(byId('receipt-shop')?.textContent).toBe('Corner Café');
    const lines = [...receipt.querySelectorAll('.receipt-line')].map((l) => [
      l.querySelector('dt')?.textContent,
      l.querySelector('dd')?.textContent,
    ]);
    expect(lines).toEqual([
      ['Time', '2026-11-23 13:15 UTC+01:00'],
      ['Order', PAID.order_id],
      ['Status', 'Paid'],
      ['Amount', '12.34 USD'],
    ]);
    expect(receipt.querySelector('.receipt-line.strong dd')?.textContent).toBe('12.34 USD');
    expect(byId('receipt-qr')?.querySelector('svg')).not.toBeNull();
    expect(receipt.textContent).toContain(PAID.pay_link);
    // The row's own click did not open the sale behind the dialog.
    expect(byId('screen-history')).not.toBeNull();
    expect(callsTo(calls, 'follow_invoice')).toEqual([]);
    expect(byId('receipt-preview')?.getAttribute('aria-modal')).toBe('true');
  });

  test('a rung-up sale lists its items before the lines, then the tax per rate under the backend\'s headings', async () => {
    await openPreview({
      receipt: () =>
        receiptView(PAID, {
          items: [
            { quantity: 2, name: 'Espresso', amount: '4.40 EUR' },
            { quantity: 1, name: 'Amount', amount: '4.00 EUR' },
          ],
          tax_columns: ['Net', 'Tax', 'Gross'],
          taxes: [
            { rate: 'VAT 19 % incl.', net: '3.36 EUR', tax: '0.64 EUR', gross: '4.00 EUR' },
            { rate: 'Reduced 7 % incl.', net: '4.11 EUR', tax: '0.29 EUR', gross: '4.40 EUR' },
          ],
        }),
    });
    await waitFor(() => expect(byId('receipt')).not.toBeNull());
    const items = [...document.querySelectorAll('#receipt .receipt-item')].map((i) => i.textContent?.replace(/\s+/g, ' ').trim());
    expect(items).toEqual(['2 × Espresso 4.40 EUR', '1 × Amount 4.00 EUR']);
    // Items come before the lines.
    const first = document.querySelector('.receipt-item')!;
    expect(first.compareDocumentPosition(document.querySelector('.receipt-line')!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const headings = [...document.querySelectorAll('#receipt-taxes thead th')].map((th) => th.textContent?.trim());
    expect(headings.slice(1)).toEqual(['Net', 'Tax', 'Gross']);
    const rows = [...document.querySelectorAll('#receipt-taxes .receipt-tax')].map((r) =>
      [...r.children].map((c) => c.textContent?.trim()),
    );
    expect(rows).toEqual([
      ['VAT 19 % incl.', '3.36 EUR', '0.64 EUR', '4.00 EUR'],
      ['Reduced 7 % incl.', '4.11 EUR', '0.29 EUR', '4.40 EUR'],
    ]);
  });

  test('a sale of a typed amount alone has no item list and no tax table', async () => {
    await openPreview();
    await waitFor(() => expect(byId('receipt')).not.toBeNull());
    expect(document.querySelector('.receipt-item')).toBeNull();
    expect(byId('receipt-taxes')).toBeNull();
  });

  test('Save as PDF saves the sale and says where; Print opens the print dialog', async () => {
    const calls = await openPreview();
    await waitFor(() => expect((byId('receipt-pdf') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(byId('receipt-pdf')!);
    await waitFor(() => expect(byId('receipt-result')?.textContent).toContain(`receipt-${PAID.order_id}.pdf`));
    expect(callsTo(calls, 'save_receipt_pdf')).toEqual([{ key: PAID.order_id }]);
    expect(callsTo(calls, 'print_page')).toEqual([]);
    await fireEvent.click(byId('receipt-print')!);
    await waitFor(() => expect(callsTo(calls, 'print_page')).toHaveLength(1));
  });

  test('a failed save or print says why and keeps the preview', async () => {
    const fail = (code: ErrorCode) => () => {
      throw rejection(code, `${code}: the disk is full`);
    };
    await openPreview({ save_receipt_pdf: fail('bad_input'), print_page: fail('print_failed') });
    await waitFor(() => expect((byId('receipt-pdf') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(byId('receipt-pdf')!);
    await waitFor(() => expect(byId('receipt-action-error')?.textContent).toBe('bad_input: the disk is full'));
    expect(byId('receipt-result')).toBeNull();
    await fireEvent.click(byId('receipt-print')!);
    await waitFor(() => expect(byId('receipt-action-error')?.textContent).toBe('print_failed: the disk is full'));
    expect(byId('receipt')).not.toBeNull();
  });

  test('while the receipt loads, Print and Save wait; a load error is shown', async () => {
    const reply = deferred<ReceiptView>();
    await openPreview({ receipt: () => reply.promise });
    expect((byId('receipt-print') as HTMLButtonElement).disabled).toBe(true);
    expect((byId('receipt-pdf') as HTMLButtonElement).disabled).toBe(true);
    reply.reject(rejection('not_found', 'no sale PD-PAID-1'));
    await waitFor(() => expect(byId('receipt-error')?.textContent).toBe('no sale PD-PAID-1'));
    expect((byId('receipt-print') as HTMLButtonElement).disabled).toBe(true);
  });

  test('Close and Escape close it, the page behind is inert meanwhile, and focus returns to the row', async () => {
    await openHistory();
    receiptButton().focus();
    await fireEvent.click(receiptButton());
    await waitFor(() => expect(byId('receipt')).not.toBeNull());
    expect(document.querySelector<HTMLElement>('.topbar')?.inert).toBe(true);
    expect(byId('receipt-preview')?.contains(document.activeElement)).toBe(true);
    await fireEvent.click(byId('receipt-close')!);
    expect(byId('receipt-preview')).toBeNull();
    expect(document.querySelector<HTMLElement>('.topbar')?.inert).toBe(false);
    expect(document.activeElement).toBe(receiptButton());

    await fireEvent.click(receiptButton());
    await waitFor(() => expect(byId('receipt-preview')).not.toBeNull());
    await fireEvent.keyDown(byId('receipt-preview')!, { key: 'Escape' });
    expect(byId('receipt-preview')).toBeNull();
  });

  test('a receipt without a shop name or pay link has no heading and no code', async () => {
    const cash = invoiceView({ ...PAID, pay_link: null });
    await openPreview({ receipt: () => ({ ...receiptView(cash, { shop_name: null }), qr_svg: null }) });
    await waitFor(() => expect(byId('receipt')).not.toBeNull());
    expect(byId('receipt-shop')).toBeNull();
    expect(byId('receipt-qr')).toBeNull();
  });
});

describe('receipt buttons on the invoice screen', () => {
  async function showPaidInvoice(handlers: Handlers) {
    const calls = await openHistory(handlers);
    await fireEvent.click(document.querySelector(`.history-row[data-order-id="${PAID.order_id}"] .row-open`)!);
    await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
    return calls;
  }

  test('Print receipt shows the receipt and prints it at once', async () => {
    const calls = await showPaidInvoice({});
    await fireEvent.click(byId('print-receipt')!);
    await waitFor(() => expect(callsTo(calls, 'print_page')).toHaveLength(1));
    // Printed only once the receipt is on the page, since only it prints.
    expect(byId('receipt')).not.toBeNull();
    expect(callsTo(calls, 'save_receipt_pdf')).toEqual([]);
  });

  test('Save as PDF saves at once and shows where', async () => {
    const calls = await showPaidInvoice({});
    await fireEvent.click(byId('save-receipt-pdf')!);
    await waitFor(() => expect(byId('receipt-result')?.textContent).toContain(`receipt-${PAID.order_id}.pdf`));
    expect(callsTo(calls, 'save_receipt_pdf')).toHaveLength(1);
    expect(callsTo(calls, 'print_page')).toEqual([]);
  });
});
