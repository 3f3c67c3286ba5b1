// The receipt printer: a virtual network printer in this test (a TCP server on 127.0.0.1 that keeps
// each connection's bytes), set in Settings → Printer as tcp://127.0.0.1:PORT on 58 mm paper with
// auto-print on. A 6.50 USD sale on Demo, paid on the simulator, prints its receipt by itself: a job
// whose bytes carry the order id and "6.50 USD" (the printer's text is PC858, ASCII for these) and
// end in a partial cut (GS V 66 0). Test print sends a second job and shows Printed. The printer
// settings are put back at the end (no printer, auto-print off, 80 mm), so later scenarios and runs
// print nothing.

import net from 'node:net';
import { PAID_WAIT_MS } from '../harness.mjs';
import { assert, log, post } from '../util.mjs';

export const name = '(print) a 6.50 USD Demo sale paid on the simulator prints its receipt by itself on a virtual tcp:// printer (order id, "6.50 USD", partial cut); Test print sends a second job and shows Printed';

/** How long the printer may take to get a job after the sale is paid, or after Test print. */
const PRINT_WAIT_MS = 20_000;
const PARTIAL_CUT = Buffer.from([0x1d, 0x56, 0x42, 0x00]);

/** A raw-port printer (like port 9100): each connection's bytes, collected until the till ends it. */
async function virtualPrinter() {
  const jobs = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    // The till shuts its side down and waits for the printer to close: end ours too.
    socket.on('end', () => {
      jobs.push(Buffer.concat(chunks));
      socket.end();
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { port: server.address().port, jobs, close };
}

export async function run(ctx) {
  const { browser } = ctx;
  const { $, exists, text, waitFor, waitUntil, shot, goTo, choose, typeAmount, amountShown, saveSettings } = ctx.ui;
  const setChecked = async (sel, on) => {
    if ((await $(sel).isSelected()) !== on) await $(sel).click();
    await waitUntil(async () => (await $(sel).isSelected()) === on, `${sel} did not turn ${on ? 'on' : 'off'}`);
  };
  const printer = await virtualPrinter();
  log(`  virtual printer on 127.0.0.1:${printer.port}`);
  const described = () => `${printer.jobs.length} job(s) so far: ${printer.jobs.map((j) => `${j.length} bytes`).join(', ') || 'none'}`;
  try {
    // (a) Settings → Printer.
    await saveSettings(async () => {
      await waitFor('#printer-uri', 'the Printer card\'s #printer-uri');
      await $('#printer-uri').setValue(`tcp://127.0.0.1:${printer.port}`);
      await choose('#paper-width', 'mm58');
      await setChecked('#auto-print', true);
    });
    assert((await $('#printer-uri').getValue()) === `tcp://127.0.0.1:${printer.port}`, `#printer-uri holds "${await $('#printer-uri').getValue()}" after saving`);
    await shot('settings-printer', '#test-print');

    // (b) 6.50 USD on Demo, paid on the simulator.
    await goTo('charge');
    await choose('#currency', 'USD');
    await choose('#gateway', 'demo');
    await typeAmount('6.50');
    await waitUntil(async () => (await amountShown()).includes('6.50'), async () => `#amount did not show 6.50 (shows "${await amountShown()}")`);
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 6.50');
    await $('#charge').click();
    await waitUntil(async () => (await exists('#screen-invoice')) || (await exists('#charge-error')), 'neither the invoice screen nor #charge-error appeared after Charge', 30_000);
    if (await exists('#charge-error')) throw new Error(`the charge failed: #charge-error says "${await text('#charge-error')}"`);
    const order = await text('#invoice-order');
    assert(order.length > 0, '#invoice-order is empty');
    await waitUntil(async () => (await text('#pay-link')).startsWith('http'), '#pay-link never showed a link');
    const before = printer.jobs.length;
    const code = await post(`${await text('#pay-link')}/pay`);
    assert(code === 303, `paying the sale answered ${code}, expected 303`);
    await waitFor('#new-sale', '#new-sale once the sale is paid', PAID_WAIT_MS);

    // (c) its receipt reached the printer by itself.
    const receipt = () =>
      printer.jobs.slice(before).find((job) => job.includes(order, 0, 'latin1') && job.includes('6.50 USD', 0, 'latin1') && job.includes(PARTIAL_CUT));
    await waitUntil(async () => receipt() !== undefined, async () => `no job with ${order}, "6.50 USD" and a partial cut reached the printer; ${described()}`, PRINT_WAIT_MS);
    assert(!(await exists('#print-trouble')), `#print-trouble shows "${(await exists('#print-trouble')) ? await text('#print-trouble') : ''}" for a receipt that printed`);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');

    // (d) Test print: a second job, and Printed on the screen.
    await goTo('settings');
    const jobsBefore = printer.jobs.length;
    await waitUntil(async () => await $('#test-print').isEnabled(), '#test-print stayed disabled with a printer saved');
    await $('#test-print').click();
    await waitUntil(
      async () => (await exists('#test-print-result')) && (await $('#test-print-result').getAttribute('data-state')) === 'printed',
      async () => `#test-print-result shows "${(await exists('#test-print-result')) ? await text('#test-print-result') : '(absent)'}", expected Printed; ${described()}`,
      PRINT_WAIT_MS,
    );
    await waitUntil(async () => printer.jobs.length > jobsBefore && printer.jobs.at(-1).length > 0, async () => `Test print sent no job to the printer; ${described()}`, PRINT_WAIT_MS);
    assert(printer.jobs.length >= 2, `the printer got ${printer.jobs.length} job(s), expected the receipt and the test page`);
  } finally {
    // Later scenarios and runs print nothing: no printer, no auto-print, the default paper.
    try {
      await saveSettings(async () => {
        await $('#printer-uri').click();
        await browser.execute(() => document.querySelector('#printer-uri').select());
        await browser.keys(['Backspace']);
        await choose('#paper-width', 'mm80');
        await setChecked('#auto-print', false);
      });
    } finally {
      await printer.close();
    }
  }
  assert((await $('#printer-uri').getValue()) === '', `#printer-uri holds "${await $('#printer-uri').getValue()}" after clearing it`);
  assert(!(await $('#auto-print').isSelected()), '#auto-print is still on after clearing the printer settings');
}
