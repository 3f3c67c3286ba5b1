// Tips: presets set in Settings add a tip to the invoice; cleared again for the scenarios after it.

import { PAID_WAIT_MS } from '../harness.mjs';
import { assert, post } from '../util.mjs';

export const name = 'Tips: presets "10, 15" -> 10.00 on Demo with the 10% tip is an 11.00 invoice';

export async function run(ctx) {
  const { browser } = ctx;
  const { $, exists, text, waitFor, waitUntil, shot, goTo, choose, typeAmount, readInvoice, saveSettings } = ctx.ui;
  try {
    await saveSettings(() => $('#tip-presets').setValue('10, 15'));
    await goTo('charge');
    await choose('#currency', 'USD');
    await choose('#gateway', 'demo');
    await typeAmount('10.00');
    await waitFor('#tip-none', '#tip-none once tip presets are set');
    const offered = await browser.execute(() => [...document.querySelectorAll('.tip-option')].map((b) => b.dataset.percent));
    assert(offered.join() === '10,15', `the tip options are ${offered.join(', ')}, expected 10, 15`);
    await $('.tip-option[data-percent="10"]').click();
    await waitUntil(async () => (await exists('#tip-amount')) && (await text('#tip-amount')).includes('1.00'), async () => `#tip-amount shows "${(await exists('#tip-amount')) ? await text('#tip-amount') : '(absent)'}", expected 1.00`);
    assert((await text('#total')).includes('11.00'), `#total shows "${await text('#total')}", expected 11.00`);
    await shot('charge-tip', '#charge');
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 10.00 with a tip');
    await $('#charge').click();
    await waitUntil(async () => (await exists('#screen-invoice')) || (await exists('#charge-error')), 'neither the invoice screen nor #charge-error appeared after Charge', 30_000);
    if (await exists('#charge-error')) throw new Error(`the charge failed: #charge-error says "${await text('#charge-error')}"`);
    const inv = await readInvoice();
    assert(inv.amount.includes('11.00'), `#invoice-amount is "${inv.amount}", expected 11.00 (10.00 + 10%)`);
    // The tip is a field of its own now, shown beside the total (not a note in the description).
    await waitFor('#invoice-tip', '#invoice-tip on the tipped invoice');
    assert((await text('#invoice-tip')).includes('1.00'), `#invoice-tip is "${await text('#invoice-tip')}", expected 1.00`);
    await waitUntil(async () => (await text('#pay-link')).startsWith('http'), '#pay-link never showed a link');
    const code = await post(`${await text('#pay-link')}/pay`);
    assert(code === 303, `paying the tipped invoice answered ${code}, expected 303`);
    await waitFor('#new-sale', '#new-sale once the tipped invoice is paid', PAID_WAIT_MS);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');
  } finally {
    // Later scenarios charge without tips.
    await saveSettings(async () => {
      await $('#tip-presets').click();
      await browser.execute(() => document.querySelector('#tip-presets').select());
      await browser.keys(['Backspace']);
    });
  }
  assert((await $('#tip-presets').getValue()) === '', `#tip-presets holds "${await $('#tip-presets').getValue()}" after clearing it`);
  await goTo('charge');
  await typeAmount('5');
  assert(!(await exists('#tip-none')), 'the tip buttons still show after the presets were cleared');
}
