// Items, tax and a tip: tax rates and a two-item catalog seeded through the CLI (into the app's own
// data dir: the ledger is shared and read per call), then a sale of 2 Espresso + 1 Croissant + a
// typed 4.00 with the 10 % tip on Dex3, paid on the simulator (Demo sales are practice and in no
// total, so the sale goes through a gateway that counts; its credentials are set again and deleted
// at the end, as (c1) and (20) do). The charge screen shows the till's quote (13.20, a VAT and a
// Reduced row), the receipt lists the items and the tax per rate, and the report's tax per rate and
// tips grow by this sale's. Clears the tip presets at its end, as (17) does. Then a barcode
// scanner's burst (keys back to back, ending in Enter) adds one Espresso without typing into the
// amount or charging, an unknown code shows #scan-notice, and Esc leaves the sale empty.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cents, centsText } from '../helpers.mjs';
import { PAID_WAIT_MS } from '../harness.mjs';
import { runCli } from '../processes.mjs';
import { assert, log, post } from '../util.mjs';

export const name = '(tax) 2 × Espresso + 1 × Croissant + 4.00 with a 10% tip on Dex3 (simulator): quote 13.20 with VAT and Reduced rows, receipt items and tax table, report tax +1.17/+0.24 and tips +1.20; a scanned Espresso barcode adds one Espresso (no amount, no charge), an unknown one shows #scan-notice';

const CATALOG = [
  'name,price,currency,tax_rate,barcode,category',
  'Espresso,2.50,USD,Reduced,4012345678901,Coffee',
  'Croissant,3.00,USD,,CR-1,Bakery',
  '',
].join('\n');

export async function run(ctx) {
  const { browser, dex3 } = ctx;
  const { $, exists, text, waitFor, waitGone, waitUntil, shot, goTo, choose, typeAmount, amountShown, openTodayReport, reportTotals, saveSettings } = ctx.ui;

  // (a) the shop's rules, through the CLI.
  await runCli(ctx, ['tax-rate', 'set', 'VAT', '20', '--included', '--default']);
  await runCli(ctx, ['tax-rate', 'set', 'Reduced', '5', '--included']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paydesk-e2e-catalog-'));
  const file = path.join(dir, 'catalog.csv');
  fs.writeFileSync(file, CATALOG);
  log(`  catalog import: ${(await runCli(ctx, ['catalog', 'import', file])).trim().split('\n').at(-1)}`);

  // The report before, to compare with after.
  await openTodayReport();
  const taxesOf = () =>
    browser.execute(() => Object.fromEntries([...document.querySelectorAll('#report-taxes .report-tax')].map((r) => [`${r.dataset.name} ${r.dataset.currency}`, r.dataset.tax])));
  const taxesBefore = await taxesOf();
  const tipsBefore = (await reportTotals()).USD?.tips ?? '0.00';

  try {
    // Dex3 on the simulator (its base URL is still the one (c2) saved).
    await goTo('settings');
    await choose('#settings-gateway', 'dex3');
    for (const [field, value] of Object.entries(dex3.fields)) {
      await waitFor(`input[data-field="${field}"]`, `the ${field} input`);
      await $(`input[data-field="${field}"]`).setValue(value);
    }
    await $('#save-credentials').click();
    for (const field of Object.keys(dex3.fields)) {
      await waitUntil(async () => /^set\b/i.test(await text(`[data-field-state="${field}"]`)), `[data-field-state="${field}"] did not turn to set`);
    }

    // (b) the sale.
    await saveSettings(() => $('#tip-presets').setValue('10'));
    await goTo('charge');
    await choose('#currency', 'USD');
    await choose('#gateway', 'dex3');
    // Typed first: Clear (which typeAmount presses) empties the cart too.
    await typeAmount('4.00');
    await waitUntil(async () => (await amountShown()).includes('4.00'), async () => `#amount did not show 4.00 (shows "${await amountShown()}")`);
    const tap = async (search, itemName, times) => {
      await $('#item-search').setValue(search);
      const find = () => browser.execute((n) => [...document.querySelectorAll('.item-option')].find((b) => b.textContent.includes(n))?.dataset.itemId ?? null, itemName);
      await waitUntil(async () => (await find()) !== null, `no .item-option for ${itemName} after searching "${search}"`);
      const id = await find();
      for (let i = 0; i < times; i++) await $(`.item-option[data-item-id="${id}"]`).click();
      await waitUntil(async () => (await text(`#cart .cart-line[data-item-id="${id}"] .qty`)) === String(times), `the cart does not hold ${times} × ${itemName}`);
      return id;
    };
    await tap('esp', 'Espresso', 2);
    await tap('crois', 'Croissant', 1);
    await waitFor('.tip-option[data-percent="10"]', 'the 10% tip option once the preset is saved');
    await $('.tip-option[data-percent="10"]').click();
    // 2 × 2.50 + 3.00 + 4.00 = 12.00; 10 % = 1.20; all tax included, so 13.20.
    await waitUntil(async () => (await exists('#tip-amount')) && (await text('#tip-amount')).includes('1.20'), async () => `#tip-amount shows "${(await exists('#tip-amount')) ? await text('#tip-amount') : '(absent)'}", expected 1.20`);
    await waitUntil(async () => (await text('#total')).includes('13.20'), async () => `#total shows "${await text('#total')}", expected 13.20`);
    assert(!(await exists('#quote-error')), `the quote failed: "${(await exists('#quote-error')) ? await text('#quote-error') : ''}"`);
    const quoteTaxes = await browser.execute(() => Object.fromEntries([...document.querySelectorAll('#quote-taxes .quote-tax')].map((r) => [r.dataset.name, r.dataset.tax])));
    assert(quoteTaxes.VAT === '1.17' && quoteTaxes.Reduced === '0.24', `#quote-taxes shows ${JSON.stringify(quoteTaxes)}, expected VAT 1.17 (20 % in 7.00) and Reduced 0.24 (5 % in 5.00)`);
    await shot('charge-items-tax', '#quote');

    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for the cart with a tip');
    await $('#charge').click();
    await waitUntil(async () => (await exists('#screen-invoice')) || (await exists('#charge-error')), 'neither the invoice screen nor #charge-error appeared after Charge', 30_000);
    if (await exists('#charge-error')) throw new Error(`the charge failed: #charge-error says "${await text('#charge-error')}"`);
    const order = await text('#invoice-order');
    assert((await text('#invoice-amount')).includes('13.20'), `#invoice-amount is "${await text('#invoice-amount')}", expected 13.20`);
    await waitUntil(async () => (await text('#pay-link')).startsWith('http'), '#pay-link never showed a link');
    const code = await post(`${await text('#pay-link')}/pay`);
    assert(code === 303, `paying the sale answered ${code}, expected 303`);
    await waitFor('#new-sale', '#new-sale once the sale is paid', PAID_WAIT_MS);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');
    assert(!(await exists('#cart')), 'the cart still holds items after New sale');

    // The receipt, from History as (r1) opens it.
    await goTo('history');
    await waitFor(`.history-row[data-order-id="${order}"] .receipt-row`, `a Receipt button on ${order} in History`);
    await $(`.history-row[data-order-id="${order}"] .receipt-row`).click();
    await waitFor('#receipt-preview', '#receipt-preview after the row\'s Receipt button');
    await waitFor('#receipt .receipt-item', 'the receipt\'s items');
    const receipt = await browser.execute(() => ({
      items: [...document.querySelectorAll('#receipt .receipt-item')].map((i) => i.textContent.replace(/\s+/g, ' ').trim()),
      taxes: [...document.querySelectorAll('#receipt-taxes .receipt-tax')].map((r) => [...r.children].map((c) => c.textContent.trim())),
      lines: [...document.querySelectorAll('#receipt .receipt-line')].map((l) => [l.querySelector('dt').textContent.trim(), l.querySelector('dd').textContent.trim()]),
    }));
    const shown = JSON.stringify(receipt);
    const item = (start, amount) => receipt.items.some((i) => i.startsWith(start) && i.includes(amount));
    assert(item('2 × Espresso', '5.00'), `the receipt lists no "2 × Espresso … 5.00": ${shown}`);
    assert(item('1 × Croissant', '3.00'), `the receipt lists no "1 × Croissant … 3.00": ${shown}`);
    assert(receipt.items.some((i) => i.includes('4.00') && !i.includes('Espresso') && !i.includes('Croissant')), `the receipt lists no typed 4.00: ${shown}`);
    const taxRow = (rate) => receipt.taxes.find(([label]) => label.startsWith(rate)) ?? [];
    assert(taxRow('VAT')[2]?.includes('1.17') && taxRow('VAT')[3]?.includes('7.00'), `the receipt's VAT row is not tax 1.17 of 7.00: ${shown}`);
    assert(taxRow('Reduced')[2]?.includes('0.24') && taxRow('Reduced')[3]?.includes('5.00'), `the receipt's Reduced row is not tax 0.24 of 5.00: ${shown}`);
    assert(receipt.lines.some(([, value]) => value.includes('1.20')), `the receipt shows no tip of 1.20: ${shown}`);
    await shot('receipt-items-tax', '#receipt-preview');
    await $('#receipt-close').click();
    await waitGone('#receipt-preview', '#receipt-preview after #receipt-close');

    // (c) the report: this sale's tax per rate and tip are in today's sums.
    await openTodayReport();
    const taxesAfter = await taxesOf();
    const tipsAfter = (await reportTotals()).USD?.tips ?? '0.00';
    const grew = (key) => centsText(cents(taxesAfter[key] ?? '0.00') - cents(taxesBefore[key] ?? '0.00'));
    assert(grew('VAT USD') === '1.17' && grew('Reduced USD') === '0.24', `#report-taxes went from ${JSON.stringify(taxesBefore)} to ${JSON.stringify(taxesAfter)}, expected VAT +1.17 and Reduced +0.24`);
    assert(centsText(cents(tipsAfter) - cents(tipsBefore)) === '1.20', `the USD tips went from ${tipsBefore} to ${tipsAfter}, expected +1.20`);
    await shot('report-taxes', '#report-taxes');
  } finally {
    // The throwaway keyring is left as (20) left it: no dex3 credentials.
    await goTo('settings');
    await choose('#settings-gateway', 'dex3');
    await $('#delete-credentials').click();
    for (const field of Object.keys(dex3.fields)) {
      await waitUntil(async () => /not set/i.test(await text(`[data-field-state="${field}"]`)), `[data-field-state="${field}"] still set after #delete-credentials`);
    }
    // Later scenarios charge without tips.
    await saveSettings(async () => {
      await $('#tip-presets').click();
      await browser.execute(() => document.querySelector('#tip-presets').select());
      await browser.keys(['Backspace']);
    });
  }
  assert((await $('#tip-presets').getValue()) === '', `#tip-presets holds "${await $('#tip-presets').getValue()}" after clearing it`);

  // (d) a keyboard-wedge scanner: its code and Enter as one burst of keys. WebDriver's key actions
  // are sent back to back (one action chain, no pause between them: measured at 1-5 ms a key), so
  // the window sees them as a scanner's burst. WebKitWebDriver drops a key repeated right after
  // itself within one chain ("00" arrives as "0"), so the codes here repeat no digit twice in a row.
  await goTo('charge');
  await $('button[data-key="clear"]').click();
  await browser.execute(() => document.activeElement?.blur());
  await browser.keys([...'4012345678901'.split(''), 'Enter']);
  const espresso = () => browser.execute(() => document.querySelector('#cart .cart-line')?.dataset.itemId ?? null);
  await waitUntil(async () => (await espresso()) !== null, 'the scanned Espresso barcode added no cart line');
  const scanned = await browser.execute(() => [...document.querySelectorAll('#cart .cart-line')].map((l) => [l.textContent.replace(/\s+/g, ' ').trim(), l.querySelector('.qty').textContent.trim()]));
  assert(scanned.length === 1 && scanned[0][0].startsWith('Espresso') && scanned[0][1] === '1', `the cart after the scan holds ${JSON.stringify(scanned)}, expected one Espresso`);
  assert((await amountShown()) === '', `#amount shows "${await amountShown()}" after the scan, expected it empty`);
  assert(!(await exists('#screen-invoice')) && (await exists('#screen-charge')), 'the scan\'s Enter left the charge screen');
  // An unknown code says so and adds nothing.
  await browser.keys([...'98765432'.split(''), 'Enter']);
  await waitFor('#scan-notice', '#scan-notice after scanning an unknown code');
  assert((await text('#scan-notice')).includes('98765432'), `#scan-notice says "${await text('#scan-notice')}", expected it to name 98765432`);
  const lines = await browser.execute(() => document.querySelectorAll('#cart .cart-line').length);
  assert(lines === 1, `the cart holds ${lines} lines after the unknown code, expected 1`);
  assert((await amountShown()) === '' && !(await exists('#screen-invoice')), 'the unknown code typed into #amount or charged');
  // Later runs start with an empty sale.
  await browser.keys(['Escape']);
  await waitGone('#cart', 'the cart after Esc');
}
