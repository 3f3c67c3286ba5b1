// (d) History: the two paid sales of (b) and (c3), search, CSV export (the first file in the export
// dir).

import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../util.mjs';

export const name = '(d) History: both sales paid, search by order id, CSV export with 2 rows';

export async function run(ctx) {
  const { exportDir, browser } = ctx;
  const { $, $$, exists, text, waitUntil, shot, goTo } = ctx.ui;
  await goTo('history');
  await waitUntil(async () => (await $$('.history-row').length) === 2, async () => `History does not list 2 sales (lists ${await $$('.history-row').length})`);
  const rows = await browser.execute(() => [...document.querySelectorAll('.history-row')].map((r) => ({ id: r.dataset.orderId, status: r.dataset.status, text: r.innerText })));
  for (const r of rows) {
    assert(r.status === 'paid', `history row ${r.id} has data-status "${r.status}"`);
    assert(r.id && r.text.includes(r.id), `history row ${r.id} does not show its order id (text: ${r.text})`);
    assert(r.text.includes('12.34'), `history row ${r.id} does not show 12.34 (text: ${r.text})`);
  }
  assert(rows[0].id !== rows[1].id, 'both history rows carry the same order id');
  await shot('history');
  const wanted = rows[1].id;
  await $('#history-search').setValue(wanted);
  await waitUntil(async () => {
    const ids = await browser.execute(() => [...document.querySelectorAll('.history-row')].map((r) => r.dataset.orderId));
    return ids.length === 1 && ids[0] === wanted;
  }, `searching for ${wanted} did not narrow History to that one sale`);
  await $('#history-search').setValue('NO-SUCH-ORDER');
  await waitUntil(async () => (await $$('.history-row').length) === 0, 'searching for NO-SUCH-ORDER still lists sales');
  await browser.execute(() => {
    const el = document.querySelector('#history-search');
    el.select();
  });
  await browser.keys(['Backspace']);
  await waitUntil(async () => (await $$('.history-row').length) === 2, 'clearing the search did not bring both sales back');

  await $('#export-csv').click();
  await waitUntil(async () => (await exists('#export-result')) && (await text('#export-result')).length > 0, '#export-result stayed empty after #export-csv');
  const where = await text('#export-result');
  const csvs = fs.readdirSync(exportDir).filter((f) => f.endsWith('.csv'));
  assert(csvs.length === 1, `PAYDESK_EXPORT_DIR holds ${csvs.length} CSV files: ${csvs.join(', ')}`);
  const file = path.join(exportDir, csvs[0]);
  assert(where.includes(file) || where.includes(csvs[0]), `#export-result says "${where}", which does not name ${file}`);
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  assert(lines.length === 3, `the CSV has ${lines.length - 1} data rows, expected 2:\n${lines.join('\n')}`);
  for (const r of rows) assert(lines.some((l) => l.includes(r.id) && l.includes('12.34') && l.includes('paid')), `no CSV row for ${r.id} with 12.34 and paid`);
}
