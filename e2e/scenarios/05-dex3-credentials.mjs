// (c1) dex3 credentials into the keyring from Settings. Keeps the page source right after saving in
// ctx.state.savedSource, for (e).

import { assert } from '../util.mjs';

export const name = '(c1) Settings: dex3 credentials saved to the keyring (write-only fields)';

export async function run(ctx) {
  const { dex3, browser } = ctx;
  const { $, text, waitFor, waitUntil, goTo, choose } = ctx.ui;
  await goTo('settings');
  await choose('#settings-gateway', 'dex3');
  for (const field of Object.keys(dex3.fields)) {
    await waitFor(`input[data-field="${field}"]`, `the ${field} input`);
    await waitUntil(async () => /not set/i.test(await text(`[data-field-state="${field}"]`)), async () => `before saving, [data-field-state="${field}"] says "${await text(`[data-field-state="${field}"]`)}", expected "not set"`);
  }
  assert((await $('input[data-field="merchant_private"]').getAttribute('type')) === 'password', 'the secret merchant_private input is not type=password');
  for (const [field, value] of Object.entries(dex3.fields)) await $(`input[data-field="${field}"]`).setValue(value);
  await $('#save-credentials').click();
  for (const field of Object.keys(dex3.fields)) {
    await waitUntil(async () => /^set\b/i.test(await text(`[data-field-state="${field}"]`)), async () => `[data-field-state="${field}"] did not turn to set (says "${await text(`[data-field-state="${field}"]`)}")`);
    const state = await text(`[data-field-state="${field}"]`);
    assert(/keyring/i.test(state), `[data-field-state="${field}"] says "${state}", expected "set (keyring)"`);
    const value = await $(`input[data-field="${field}"]`).getValue();
    assert(value === '', `input[data-field="${field}"] still holds a value after saving`);
  }
  ctx.state.savedSource = await browser.getPageSource();
}
