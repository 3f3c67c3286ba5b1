// (f) abandon and the late payment.

import { PAID_WAIT_MS } from '../harness.mjs';
import { assert, post } from '../util.mjs';

export const name = '(f) abandon: Next customer frees the keypad; paid later on the simulator -> notice + History "paid late"';

export async function run(ctx) {
  const { $, exists, text, waitFor, waitGone, waitUntil, shot, goTo, choose, typeAmount, amountShown } = ctx.ui;
  await goTo('charge');
  await typeAmount('7.77');
  await choose('#currency', 'USD');
  await choose('#gateway', 'demo');
  await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 7.77');
  await $('#charge').click();
  await waitFor('#qr svg', 'the QR code of the 7.77 sale');
  const link = await text('#pay-link');
  const order = await text('#invoice-order');
  assert(link.startsWith('http://127.0.0.1') && order.length > 0, `invoice shows link "${link}" and order "${order}"`);
  assert(!(await exists('#new-sale')), 'an open invoice offers #new-sale, which would leave without marking it abandoned');
  await $('#abandon').click();
  await waitFor('#screen-charge', 'the keypad after #abandon');
  assert((await amountShown()) === '', `the keypad after #abandon shows "${await amountShown()}", expected it empty`);
  assert(!(await exists('#late-notices')), 'a late-payment notice showed before anything was paid');

  const code = await post(`${link}/pay`);
  assert(code === 303, `POST ${link}/pay answered ${code}`);
  const notice = `.late-notice[data-order-id="${order}"]`;
  await waitFor(notice, `the late-payment notice for ${order}`, PAID_WAIT_MS);
  const said = await text(notice);
  assert(/paid late/i.test(said) && said.includes('7.77') && said.includes(order), `the notice says "${said}"`);
  assert((await $(notice).getAttribute('role')) === 'alert', 'the late-payment notice is not role=alert');
  assert(await exists('#screen-charge'), 'the late payment pulled the cashier away from the keypad');
  await shot('late-payment', notice);

  await goTo('history');
  const row = `.history-row[data-order-id="${order}"]`;
  await waitFor(row, `History's row for ${order}`);
  await waitUntil(async () => (await $(row).getAttribute('data-status')) === 'paid_late', async () => `History shows ${order} as "${await $(row).getAttribute('data-status')}", expected paid_late`);
  assert(/paid late/i.test(await text(row)), `History's row for ${order} does not say "Paid late" in words: ${await text(row)}`);
  await shot('history-paid-late', row);
  await $(`${notice} .late-dismiss`).click();
  await waitGone(notice, 'the dismissed notice');
}
