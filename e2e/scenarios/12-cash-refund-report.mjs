// (f) cash sales, refunds and the shift report: a cash sale and a refund of a paid 12.34 USD sale
// show up in Today's report and its CSV, counted against the report as it was before. Needs the
// paid 12.34 USD sales of (b) (Demo, practice) and (c3) (Dex3).

import fs from 'node:fs';
import path from 'node:path';
import { cents, centsText } from '../helpers.mjs';
import { assert } from '../util.mjs';

export const name = '(f) cash sale and refund recorded, then Today\'s report and its CSV add up';

export async function run(ctx) {
  const { exportDir, browser } = ctx;
  const { $, $$, exists, text, waitFor, waitGone, waitUntil, shot, goTo, choose, typeAmount, amountShown, reportTotals, openTodayReport } = ctx.ui;
  await openTodayReport();
  const before = await reportTotals();
  const usdBefore = before.USD ?? {};
  // The paid Dex3 sale is real money; the Demo sales are practice, listed per gateway and in no total.
  const demoUsd = await browser.execute(
    () => document.querySelector('.report-row[data-section="gateway"][data-gateway="demo"][data-currency="USD"]')?.dataset ?? {},
  );
  assert(demoUsd.practice === 'true' && cents(demoUsd.total) >= cents('12.34'), `the report's Demo USD line is ${JSON.stringify(demoUsd)}, expected practice with at least the paid 12.34 Demo sale`);
  const dex3Usd = await browser.execute(
    () => document.querySelector('.report-row[data-section="gateway"][data-gateway="dex3"][data-currency="USD"]')?.dataset.total ?? '0',
  );
  assert(cents(usdBefore.received) === cents(dex3Usd) && cents(dex3Usd) >= cents('12.34'), `the report's USD received is ${usdBefore.received}, expected exactly the Dex3 sales (${dex3Usd}), the Demo ones being practice`);

  // A cash sale, prefilled from the keypad.
  await goTo('charge');
  await choose('#currency', 'EUR');
  await typeAmount('20.50');
  await waitUntil(async () => (await amountShown()) === '20.50', async () => `#amount shows "${await amountShown()}"`);
  await $('#record-cash').click();
  await waitFor('#cash-dialog');
  assert((await $('#cash-amount').getValue()) === '20.50', `#cash-amount holds "${await $('#cash-amount').getValue()}", expected the typed 20.50`);
  assert((await $('#cash-currency').getValue()) === 'EUR', '#cash-currency is not the sale\'s EUR');
  await $('#cash-description').setValue('Walk-in, paid "cash"');
  await $('#cash-save').click();
  await waitFor('#cash-result', '#cash-result after #cash-save');
  await waitGone('#cash-dialog');
  const cashOrder = ((await text('#cash-result')).match(/\S+-CASH-\d{8}-\w+/) || [])[0];
  assert(cashOrder, `#cash-result names no cash order id: "${await text('#cash-result')}"`);
  assert((await amountShown()) === '', 'the keypad was not cleared after the cash sale');
  await choose('#currency', 'USD');

  // A refund of part of a paid 12.34 USD sale, from its History row.
  await goTo('history');
  await waitFor(`.history-row[data-order-id="${cashOrder}"][data-kind="cash"]`, `the cash sale ${cashOrder} in History`);
  assert(/cash/i.test(await text(`.history-row[data-order-id="${cashOrder}"]`)), 'the cash row does not say it is cash');
  const original = await browser.execute(() =>
    [...document.querySelectorAll('.history-row[data-kind="sale"][data-status="paid"]')].map((r) => r.dataset.orderId).find((id) => id),
  );
  assert(original, 'History lists no paid gateway sale to refund');
  await $(`.history-row[data-order-id="${original}"] .refund-row`).click();
  await waitFor('#refund-dialog');
  assert((await $('#refund-original').getValue()) === original, `#refund-original is not ${original}`);
  assert((await $('#refund-amount').getValue()) === '12.34', `#refund-amount holds "${await $('#refund-amount').getValue()}", expected 12.34`);
  await $('#refund-amount').setValue('2.34');
  await $('#refund-reason').setValue('Damaged box');
  await $('#refund-save').click();
  await waitFor('#refund-result', '#refund-result after #refund-save');
  const refundOrder = ((await text('#refund-result')).match(/\S+-REF-\d{8}-\w+/) || [])[0];
  assert(refundOrder, `#refund-result names no refund order id: "${await text('#refund-result')}"`);
  await waitFor(`.history-row[data-order-id="${refundOrder}"][data-kind="refund"]`, `the refund ${refundOrder} in History`);
  assert(/refund/i.test(await text(`.history-row[data-order-id="${refundOrder}"]`)), 'the refund row does not say it is a refund');

  // More than is left of the sale is refused, and nothing is recorded.
  const rowsBefore = await $$('.history-row').length;
  await $(`.history-row[data-order-id="${original}"] .refund-row`).click();
  await waitFor('#refund-dialog');
  await $('#refund-reason').setValue('Again');
  await $('#refund-save').click();
  await waitFor('#refund-error', '#refund-error for a refund over what is left');
  assert((await text('#refund-error')).includes('10.00'), `#refund-error says "${await text('#refund-error')}", expected it to name the 10.00 USD left`);
  await $('#refund-cancel').click();
  await waitGone('#refund-dialog');
  assert((await $$('.history-row').length) === rowsBefore, 'a refused refund still added a row');
  await shot('history-cash-refund');

  // Today's report: the cash sale and the refund are in it, exactly.
  await openTodayReport();
  await waitUntil(async () => (await reportTotals()).EUR !== undefined, 'the report lists no EUR after the EUR cash sale');
  const after = await reportTotals();
  const eurBefore = before.EUR ?? {};
  const want = {
    'EUR cash': centsText(cents(eurBefore.cash) + cents('20.50')),
    'EUR net': centsText(cents(eurBefore.net) + cents('20.50')),
    'USD received': centsText(cents(usdBefore.received)),
    'USD refunds': centsText(cents(usdBefore.refunds) + cents('2.34')),
    'USD net': centsText(cents(usdBefore.net) - cents('2.34')),
  };
  const got = {
    'EUR cash': after.EUR.cash,
    'EUR net': after.EUR.net,
    'USD received': after.USD?.received,
    'USD refunds': after.USD?.refunds,
    'USD net': after.USD?.net,
  };
  assert(JSON.stringify(got) === JSON.stringify(want), `the report shows ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  assert(await exists('.report-row[data-section="gateway"][data-kind="refund"][data-currency="USD"]'), 'no refund line per gateway');
  await shot('report');

  // Its CSV: BOM, CRLF, a header, plain amounts with the currency apart.
  await $('#report-export').click();
  await waitUntil(async () => (await exists('#report-export-result')) && (await text('#report-export-result')).length > 0, '#report-export-result stayed empty after #report-export');
  const where = await text('#report-export-result');
  const reports = fs.readdirSync(exportDir).filter((f) => f.startsWith('paydesk-report-') && f.endsWith('.csv'));
  const named = reports.find((f) => where.includes(f));
  assert(named, `#report-export-result says "${where}", naming none of the report files (${reports.join(', ')})`);
  const bytes = fs.readFileSync(path.join(exportDir, named));
  assert(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'the report CSV does not start with a UTF-8 BOM');
  const csv = bytes.subarray(3).toString('utf8');
  assert(csv.endsWith('\r\n') && !csv.replace(/\r\n/g, '').includes('\n'), 'the report CSV has a line not ended by CRLF');
  const lines = csv.split('\r\n');
  assert(lines[0] === 'period_from_utc,period_to_utc,section,kind,key,name,currency,count,amount', `the report CSV's header is "${lines[0]}"`);
  assert(lines.some((l) => l.includes(',total,cash,cash,,EUR,') && l.endsWith(`,${after.EUR.cash}`)), `no EUR cash line with ${after.EUR.cash} in:\n${csv}`);
  assert(lines.some((l) => l.includes(',total,,net,,USD,,') && l.endsWith(`,${after.USD.net}`)), `no USD net line with ${after.USD.net} in:\n${csv}`);
}
