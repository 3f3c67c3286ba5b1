// (c0) a charge the gateway cannot take yet says why, and charges nothing. Before (c1): it needs
// dex3 without credentials.

import { assert, log } from '../util.mjs';

export const name = '(c0) Dex3 before any credential: #charge-error says what is missing';

export async function run(ctx) {
  const { $, exists, text, waitFor, waitUntil, goTo, choose, typeAmount } = ctx.ui;
  await goTo('charge');
  await typeAmount('12.34');
  await choose('#currency', 'USD');
  await choose('#gateway', 'dex3');
  await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 12.34 USD on dex3');
  await $('#charge').click();
  await waitFor('#charge-error', '#charge-error after charging dex3 with no credentials');
  const msg = await text('#charge-error');
  assert(/merchant_p|credential|key/i.test(msg), `#charge-error says "${msg}", expected it to name the missing credential`);
  assert(!(await exists('#screen-invoice')) && (await exists('#screen-charge')), 'the app left the charge screen after a refused charge');
  log(`  #charge-error: "${msg}"`);
  await choose('#gateway', 'demo');
}
