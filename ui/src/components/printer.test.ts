// The receipt printer and the cash drawer: Settings' Printer card and Test print, printing a
// receipt from its preview (and Reprint), the app-wide notice of a receipt that did not print, and
// the manager's Open drawer. Jobs are followed through the backend's `print-job` events.
import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { ReceiptView } from '../bindings/ReceiptView';
import {
  bootstrapReply,
  byId,
  callsTo,
  invoiceView,
  mockBackend,
  printJob,
  QR_SVG,
  rejection,
  sendPrintJob,
  startApp,
} from '../test/backend';

type Handlers = Parameters<typeof mockBackend>[0];

const PRINTER = 'tcp://192.168.1.50:9100';
const PAID = invoiceView({ id: 7, order_id: 'PD-PAID-1', status: 'paid', is_final: true });
const RECEIPT: ReceiptView = {
  receipt: {
    shop_name: null,
    title: 'Receipt',
    items: [],
    tax_columns: [],
    taxes: [],
    lines: [{ label: 'Amount', value: '12.34 USD', strong: true }],
    order_id: PAID.order_id,
    pay_link: null,
  },
  qr_svg: QR_SVG,
};

const text = (id: string) => byId(id)?.textContent?.trim();

async function openSettings(handlers: Handlers = {}) {
  const calls = await startApp(handlers);
  await fireEvent.click(byId('nav-settings')!);
  await waitFor(() => expect(byId('screen-settings')).not.toBeNull());
  return calls;
}

async function openPreview(handlers: Handlers = {}) {
  const calls = await startApp({
    bootstrap: () => bootstrapReply({ printer: PRINTER }),
    history: () => [PAID],
    receipt: () => RECEIPT,
    ...handlers,
  });
  await fireEvent.click(byId('nav-history')!);
  await waitFor(() => expect(document.querySelector('.receipt-row')).not.toBeNull());
  await fireEvent.click(document.querySelector('.receipt-row')!);
  await waitFor(() => expect(byId('receipt')).not.toBeNull());
  return calls;
}

describe('Settings → Printer', () => {
  test('starts from the saved settings: no printer, 80 mm, native QR, 1 copy, no auto-print, drawer on cash', async () => {
    await openSettings();
    expect((byId('printer-uri') as HTMLInputElement).value).toBe('');
    expect((byId('printer-uri') as HTMLInputElement).placeholder).toBe('tcp://192.168.1.50:9100 or /dev/usb/lp0 or lp://QUEUE');
    expect((byId('paper-width') as HTMLSelectElement).value).toBe('mm80');
    expect((byId('printer-qr') as HTMLSelectElement).value).toBe('native');
    expect((byId('printer-copies') as HTMLSelectElement).value).toBe('1');
    expect((byId('auto-print') as HTMLInputElement).checked).toBe(false);
    expect((byId('drawer-on-cash') as HTMLInputElement).checked).toBe(true);
    // Test print prints on the saved printer: none yet.
    expect((byId('test-print') as HTMLButtonElement).disabled).toBe(true);
    // No printer: no Open drawer either.
    expect(byId('open-drawer')).toBeNull();
  });

  test('Save settings sends the printer fields with the rest; an emptied URI is none', async () => {
    const calls = await openSettings({
      save_settings: ({ input }) => ({ ...bootstrapReply().settings, ...(input as object) }),
    });
    await fireEvent.input(byId('printer-uri')!, { target: { value: ` ${PRINTER} ` } });
    const paper = byId('paper-width') as HTMLSelectElement;
    paper.value = 'mm58';
    await fireEvent.change(paper);
    const qr = byId('printer-qr') as HTMLSelectElement;
    qr.value = 'raster';
    await fireEvent.change(qr);
    const copies = byId('printer-copies') as HTMLSelectElement;
    copies.value = '3';
    await fireEvent.change(copies);
    await fireEvent.click(byId('auto-print')!);
    await fireEvent.click(byId('drawer-on-cash')!);
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() => expect(text('settings-message')).toBe('Settings saved.'));
    const [{ input }] = callsTo(calls, 'save_settings') as { input: Record<string, unknown> }[];
    expect(input).toMatchObject({
      printer: PRINTER,
      paper_width: 'mm58',
      printer_qr: 'raster',
      copies: 3,
      auto_print: true,
      drawer_on_cash: false,
    });
    // Saved: Test print and the manager's Open drawer are there now.
    expect((byId('test-print') as HTMLButtonElement).disabled).toBe(false);
    expect(byId('open-drawer')).not.toBeNull();

    await fireEvent.input(byId('printer-uri')!, { target: { value: '  ' } });
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() => expect(callsTo(calls, 'save_settings')).toHaveLength(2));
    expect((callsTo(calls, 'save_settings')[1].input as Record<string, unknown>).printer).toBeNull();
    await waitFor(() => expect((byId('test-print') as HTMLButtonElement).disabled).toBe(true));
  });

  test('Test print follows its job through the events: printing, then Printed', async () => {
    const calls = await openSettings({ bootstrap: () => bootstrapReply({ printer: PRINTER }) });
    await fireEvent.click(byId('test-print')!);
    await waitFor(() => expect(text('test-print-result')).toBe('Printing…'));
    expect(callsTo(calls, 'test_print')).toEqual([{}]);
    // Another job's news does not change it.
    await sendPrintJob(printJob({ id: 99, kind: 'test', state: 'failed', error: 'other' }));
    await sendPrintJob(printJob({ id: 2, kind: 'test', state: 'printing', attempts: 1 }));
    expect(text('test-print-result')).toBe('Printing…');
    await sendPrintJob(printJob({ id: 2, kind: 'test', state: 'printed', attempts: 1 }));
    await waitFor(() => expect(text('test-print-result')).toBe('Printed'));
    expect(byId('test-print-result')?.dataset.state).toBe('printed');
  });

  test("a failed Test print shows the printer's reason; a refused one the backend's message", async () => {
    let refuse = false;
    await openSettings({
      bootstrap: () => bootstrapReply({ printer: PRINTER }),
      test_print: () => {
        if (refuse) throw rejection('bad_input', 'no receipt printer is set (Settings → Printer)');
        return printJob({ id: 5, kind: 'test' });
      },
    });
    await fireEvent.click(byId('test-print')!);
    await waitFor(() => expect(text('test-print-result')).toBe('Printing…'));
    await sendPrintJob(printJob({ id: 5, kind: 'test', state: 'failed', attempts: 4, error: 'connection refused by 192.168.1.50:9100' }));
    await waitFor(() => expect(text('test-print-result')).toBe('connection refused by 192.168.1.50:9100'));
    expect(byId('test-print-result')?.dataset.state).toBe('failed');
    // A test job's failure is no receipt trouble.
    expect(byId('print-trouble')).toBeNull();
    refuse = true;
    await fireEvent.click(byId('test-print')!);
    await waitFor(() => expect(text('test-print-result')).toBe('no receipt printer is set (Settings → Printer)'));
  });
});

describe('printing a receipt', () => {
  test('without a printer the preview has only the print dialog and PDF', async () => {
    await openPreview({ bootstrap: () => bootstrapReply() });
    expect(byId('receipt-print')).not.toBeNull();
    expect(byId('print-receipt-printer')).toBeNull();
  });

  test('with a printer: Print on receipt printer, the job printed; a failed one offers Reprint', async () => {
    let next = 10;
    const calls = await openPreview({
      print_receipt: ({ key }) => printJob({ id: next++, order_id: String(key) }),
    });
    const button = byId('print-receipt-printer') as HTMLButtonElement;
    expect(button.textContent?.trim()).toBe('Print on receipt printer');
    await fireEvent.click(button);
    await waitFor(() => expect(text('print-job-state')).toBe('Printing…'));
    expect(callsTo(calls, 'print_receipt')).toEqual([{ key: PAID.order_id }]);
    expect(button.disabled).toBe(true);
    expect(byId('reprint')).toBeNull();

    await sendPrintJob(printJob({ id: 10, order_id: PAID.order_id, state: 'failed', attempts: 4, error: 'the printer is out of paper' }));
    await waitFor(() => expect(text('print-job-state')).toBe('Not printed: the printer is out of paper'));
    expect(byId('print-job-state')?.dataset.state).toBe('failed');
    await fireEvent.click(byId('reprint')!);
    await waitFor(() => expect(callsTo(calls, 'print_receipt')).toHaveLength(2));
    expect(callsTo(calls, 'print_receipt')[1]).toEqual({ key: PAID.order_id });
    await waitFor(() => expect(text('print-job-state')).toBe('Printing…'));
    expect(byId('reprint')).toBeNull();
    await sendPrintJob(printJob({ id: 11, order_id: PAID.order_id, state: 'printed', attempts: 1 }));
    await waitFor(() => expect(text('print-job-state')).toBe('Printed'));
  });

  test("an event that comes before the command's answer is not undone by it", async () => {
    await openPreview({
      print_receipt: async ({ key }) => {
        await sendPrintJob(printJob({ id: 21, order_id: String(key), state: 'printed', attempts: 1 }));
        return printJob({ id: 21, order_id: String(key) });
      },
    });
    await fireEvent.click(byId('print-receipt-printer')!);
    await waitFor(() => expect(text('print-job-state')).toBe('Printed'));
  });

  test("a refused print shows the backend's message", async () => {
    await openPreview({
      print_receipt: () => {
        throw rejection('bad_input', 'no receipt printer is set (Settings → Printer)');
      },
    });
    await fireEvent.click(byId('print-receipt-printer')!);
    await waitFor(() => expect(text('receipt-action-error')).toBe('no receipt printer is set (Settings → Printer)'));
  });
});

describe('the print trouble notice', () => {
  test('a failed receipt job shows the order and reason anywhere; Reprint sends it again; a printed job clears it', async () => {
    const calls = await startApp({ bootstrap: () => bootstrapReply({ printer: PRINTER }) });
    expect(byId('print-trouble')).toBeNull();
    // Queued and printing are no trouble.
    await sendPrintJob(printJob({ id: 4, order_id: 'PD-1', state: 'printing', attempts: 1 }));
    expect(byId('print-trouble')).toBeNull();
    await sendPrintJob(printJob({ id: 4, order_id: 'PD-1', state: 'failed', attempts: 4, error: 'connection refused' }));
    await waitFor(() => expect(byId('print-trouble')).not.toBeNull());
    const notice = byId('print-trouble')!;
    expect(notice.closest('[role="status"]')).not.toBeNull();
    expect(notice.dataset.orderId).toBe('PD-1');
    expect(notice.textContent).toContain('The receipt of PD-1 was not printed: connection refused');
    // Non-blocking: the keypad is still there and usable.
    expect(byId('screen-charge')).not.toBeNull();

    await fireEvent.click(byId('print-trouble-reprint')!);
    await waitFor(() => expect(callsTo(calls, 'print_receipt')).toEqual([{ key: 'PD-1' }]));
    // Still shown until the sale's receipt prints.
    expect(byId('print-trouble')).not.toBeNull();
    // Another sale's printed receipt does not clear it.
    await sendPrintJob(printJob({ id: 5, order_id: 'PD-2', state: 'printed', attempts: 1 }));
    expect(byId('print-trouble')).not.toBeNull();
    await sendPrintJob(printJob({ id: 1, order_id: 'PD-1', state: 'printed', attempts: 1 }));
    await waitFor(() => expect(byId('print-trouble')).toBeNull());
  });

  test('dismissed, it goes; a failed test print or drawer pulse raises none', async () => {
    await startApp({ bootstrap: () => bootstrapReply({ printer: PRINTER }) });
    await sendPrintJob(printJob({ id: 6, kind: 'test', state: 'failed', error: 'paper out' }));
    await sendPrintJob(printJob({ id: 7, kind: 'drawer', state: 'failed', error: 'paper out' }));
    expect(byId('print-trouble')).toBeNull();
    await sendPrintJob(printJob({ id: 8, order_id: 'PD-3', state: 'failed', error: 'paper out' }));
    await waitFor(() => expect(byId('print-trouble')).not.toBeNull());
    await fireEvent.click(byId('print-trouble-dismiss')!);
    await waitFor(() => expect(byId('print-trouble')).toBeNull());
  });

  test('a receipt that failed before the window listened shows at start-up (print_jobs)', async () => {
    await startApp({
      print_jobs: () => [printJob({ id: 3, order_id: 'PD-OLD', state: 'failed', attempts: 4, error: 'offline' })],
    });
    await waitFor(() => expect(byId('print-trouble')?.dataset.orderId).toBe('PD-OLD'));
  });

  test('at start-up, a sale whose receipt printed after it failed raises none, in whatever order the queue lists them', async () => {
    const calls = await startApp({
      print_jobs: () => [
        printJob({ id: 6, order_id: 'PD-OK', state: 'printed', attempts: 1 }),
        printJob({ id: 5, order_id: 'PD-OK', state: 'failed', attempts: 4, error: 'offline' }),
      ],
    });
    await waitFor(() => expect(callsTo(calls, 'print_jobs')).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(byId('print-trouble')).toBeNull();
  });
});

describe('Open drawer', () => {
  async function openDialog(handlers: Handlers = {}) {
    const calls = await startApp({ bootstrap: () => bootstrapReply({ printer: PRINTER }), ...handlers });
    await fireEvent.click(byId('open-drawer')!);
    await waitFor(() => expect(byId('open-drawer-dialog')).not.toBeNull());
    return calls;
  }

  test('asks for a reason, sends it, and closes once the drawer opened', async () => {
    const calls = await openDialog();
    await fireEvent.click(byId('drawer-confirm')!);
    await waitFor(() => expect(text('drawer-error')).toBe('Type a reason first.'));
    expect(callsTo(calls, 'open_drawer')).toEqual([]);

    await fireEvent.input(byId('drawer-reason')!, { target: { value: ' change for the till ' } });
    await fireEvent.click(byId('drawer-confirm')!);
    await waitFor(() => expect(callsTo(calls, 'open_drawer')).toEqual([{ reason: 'change for the till' }]));
    await waitFor(() => expect(text('drawer-state')).toBe('Opening…'));
    await sendPrintJob(printJob({ id: 3, kind: 'drawer', state: 'printed', attempts: 1 }));
    await waitFor(() => expect(byId('open-drawer-dialog')).toBeNull());
  });

  test("shows the backend's refusal and the printer's reason in the dialog", async () => {
    let refuse = true;
    await openDialog({
      open_drawer: () => {
        if (refuse) throw rejection('bad_input', 'a reason is required');
        return printJob({ id: 9, kind: 'drawer' });
      },
    });
    await fireEvent.input(byId('drawer-reason')!, { target: { value: 'float' } });
    await fireEvent.click(byId('drawer-confirm')!);
    await waitFor(() => expect(text('drawer-error')).toBe('a reason is required'));
    refuse = false;
    await fireEvent.click(byId('drawer-confirm')!);
    await waitFor(() => expect(text('drawer-state')).toBe('Opening…'));
    await sendPrintJob(printJob({ id: 9, kind: 'drawer', state: 'failed', attempts: 4, error: 'the printer is offline' }));
    await waitFor(() => expect(text('drawer-error')).toBe('the printer is offline'));
    expect(byId('open-drawer-dialog')).not.toBeNull();
    await fireEvent.click(byId('drawer-cancel')!);
    await waitFor(() => expect(byId('open-drawer-dialog')).toBeNull());
  });
});
