// (c2) dex3's base URL to the simulator, saved, and Test connection. (c3) and (u) charge through it.

import { assert } from '../util.mjs';

export const name = '(c2) Settings: base URL to the simulator, saved; Test connection answers';

export async function run(ctx) {
  const { sim } = ctx;
  const { $, exists, text, waitFor, waitUntil, shot, goTo, choose } = ctx.ui;
  await goTo('settings');
  await choose('#settings-gateway', 'dex3');
  await waitFor('#base-url');
  await $('#base-url').setValue(`${sim.base}/dex3/`);
  await $('#save-settings').click();
  await waitUntil(async () => (await exists('#settings-message')) && (await text('#settings-message')).length > 0, '#settings-message stayed empty after #save-settings');
  const msg = await text('#settings-message');
  assert(!/error|fail|invalid|not /i.test(msg), `#settings-message after saving says "${msg}"`);
  await $('#test-connection').click();
  await waitUntil(async () => (await exists('#connection-result')) && (await text('#connection-result')).length > 0, '#connection-result stayed empty');
  const result = await text('#connection-result');
  const host = new URL(sim.base).host;
  assert(result.includes('127.0.0.1'), `#connection-result says "${result}", expected it to name the simulator's host ${host}`);
  assert(/^reachable\b/i.test(result) && !/could not be reached|missing/i.test(result), `#connection-result says "${result}", expected the gateway ready`);
  assert((await $('#base-url').getValue()) === `${sim.base}/dex3/`, '#base-url lost its value after saving');
  for (const id of ['#default-gateway', '#default-currency', '#decimal-comma', '#delete-credentials']) {
    assert(await exists(id), `${id} is missing on the settings screen`);
  }
  await shot('settings', '#connection-result');
}
