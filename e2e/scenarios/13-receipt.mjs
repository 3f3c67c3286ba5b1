// (r1) the receipt of a paid 12.34 sale ((b) or (c3)) from History: preview, and Save as PDF into
// the export dir.

import fs from 'node:fs';
import path from 'node:path';
import { assert, log } from '../util.mjs';

export const name = '(r1) receipts: from History, a paid sale\'s receipt preview; Save as PDF writes it to PAYDESK_EXPORT_DIR';

export async function run(ctx) {
  const { exportDir, secret: SECRET, browser } = ctx;
  const { $, exists, text, waitFor, waitGone, waitUntil, shot, goTo } = ctx.ui;
  await goTo('history');
  await waitFor('.history-row[data-status="paid"] .receipt-row', 'a Receipt button on a paid sale in History');
  const row = await browser.execute(() => {
    const r = [...document.querySelectorAll('.history-row[data-status="paid"]')].find((el) => el.innerText.includes('12.34'));
    return r ? r.dataset.orderId : null;
  });
  assert(row, 'History lists no paid 12.34 sale to print');
  await $(`.history-row[data-order-id="${row}"] .receipt-row`).click();
  await waitFor('#receipt-preview', '#receipt-preview after the row\'s Receipt button');
  await waitFor('#receipt .receipt-line', 'the receipt\'s lines in #receipt-preview');
  assert(await exists('#screen-history'), 'the Receipt button also opened the sale');
  const lines = await browser.execute(() =>
    [...document.querySelectorAll('#receipt .receipt-line')].map((l) => [l.querySelector('dt').textContent.trim(), l.querySelector('dd').textContent.trim()]),
  );
  const value = (label) => (lines.find(([l]) => l === label) || [])[1];
  const shown = JSON.stringify(lines);
  assert(value('Order') === row, `the receipt's Order line is not ${row}: ${shown}`);
  assert(value('Status') === 'Paid', `the receipt's Status line is not "Paid": ${shown}`);
  assert(value('Amount') === '12.34 USD', `the receipt's Amount line is not "12.34 USD": ${shown}`);
  assert(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(value('Time') || ''), `the receipt's Time line: ${shown}`);
  const shop = (await exists('#receipt-shop')) ? await text('#receipt-shop') : null;
  if (shop !== null) assert(shop.length > 0, '#receipt-shop is empty');
  else log('  note: no shop name is set, so the receipt has no #receipt-shop heading');
  assert(await exists('#receipt-qr svg'), 'the receipt has no QR code of the pay link (#receipt-qr svg)');
  assert(await $('#receipt-print').isEnabled(), '#receipt-print is disabled on a loaded receipt');
  await shot('receipt-preview', '#receipt-preview');

  await $('#receipt-pdf').click();
  await waitUntil(async () => (await exists('#receipt-result')) && (await text('#receipt-result')).length > 0, '#receipt-result stayed empty after #receipt-pdf');
  const name = `receipt-${row}.pdf`;
  const pdfs = fs.readdirSync(exportDir).filter((f) => f.endsWith('.pdf'));
  assert(pdfs.includes(name), `PAYDESK_EXPORT_DIR holds ${pdfs.join(', ') || 'no PDF'}, not ${name}`);
  assert((await text('#receipt-result')).includes(name), `#receipt-result says "${await text('#receipt-result')}", which does not name ${name}`);
  const pdf = fs.readFileSync(path.join(exportDir, name));
  assert(pdf.subarray(0, 5).toString('latin1') === '%PDF-', `${name} does not start with %PDF-`);
  assert(pdf.includes(row), `${name} does not contain the order id ${row}`);
  assert(pdf.subarray(-6).toString('latin1') === '%%EOF\n', `${name} does not end with %%EOF: it is not whole`);
  assert(pdf.indexOf(SECRET) === -1, `${name} contains the secret`);
  log(`  ${name}: ${pdf.length} bytes`);

  await $('#receipt-close').click();
  await waitGone('#receipt-preview', '#receipt-preview after #receipt-close');
}
