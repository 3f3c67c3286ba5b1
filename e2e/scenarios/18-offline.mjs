// Offline: Demo pointed at a closed port; Charge offers cash instead. Demo's base URL is cleared
// again after it.

import { freePort } from '../processes.mjs';
import { assert } from '../util.mjs';

export const name = 'Offline: Charge says the gateway cannot be reached and takes the amount as cash instead';

export async function run(ctx) {
  const { browser } = ctx;
  const { $, exists, text, waitFor, waitUntil, shot, goTo, choose, typeAmount, saveSettings } = ctx.ui;
  const closed = await freePort(); // nothing listens there: every connection is refused
  const demoAt = async (url) =>
    saveSettings(async () => {
      await choose('#settings-gateway', 'demo');
      // WebKitWebDriver refuses an empty setValue: clear by selecting and deleting, as a person would.
      if (url === '') {
        await $('#base-url').click();
        await browser.execute(() => document.querySelector('#base-url').select());
        await browser.keys(['Backspace']);
      } else {
        await $('#base-url').setValue(url);
      }
    });
  try {
    await demoAt(`http://127.0.0.1:${closed}/demo/`);
    await goTo('charge');
    await choose('#currency', 'USD');
    await choose('#gateway', 'demo');
    await typeAmount('3.00');
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 3.00');
    await $('#charge').click();
    await waitFor('#offline', '#offline after charging with the gateway unreachable', 60_000);
    const said = await text('#offline');
    assert(/network/i.test(said) && /cash/i.test(said), `#offline says "${said}"`);
    assert(!(await exists('#screen-invoice')), 'an invoice screen showed for a charge that never reached the gateway');
    await shot('offline', '#offline');
    await $('#offline-cash').click();
    await waitFor('#cash-dialog', 'the cash dialog from #offline-cash');
    const prefilled = await $('#cash-amount').getValue();
    assert(prefilled === '3.00', `#cash-amount holds "${prefilled}", expected the typed 3.00`);
    await $('#cash-save').click();
    await waitUntil(async () => (await exists('#cash-result')) && (await text('#cash-result')).includes('3.00'), 'no #cash-result for the 3.00 cash sale');
  } finally {
    await demoAt('');
  }
  assert((await $('#base-url').getValue()) === '', `Demo's base URL is "${await $('#base-url').getValue()}" after clearing it`);
}
