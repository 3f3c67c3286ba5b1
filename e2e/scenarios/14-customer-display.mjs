// (r2) the customer display: a second window with the amount and the QR code while an invoice is
// open, then thanks.

import path from 'node:path';
import { PAID_WAIT_MS } from '../harness.mjs';
import { assert, log, post } from '../util.mjs';

export const name = '(r2) customer display: a second window shows the amount and QR while an invoice is open, then thanks';

export async function run(ctx) {
  const { browser, shotsDir } = ctx;
  const { $, exists, text, waitFor, waitUntil, samePage, goTo, choose, typeAmount } = ctx.ui;
  await goTo('charge');
  const main = await browser.getWindowHandle();
  await $('#customer-display').click();
  await waitUntil(async () => (await $('#customer-display').getAttribute('aria-pressed')) === 'true', '#customer-display did not report the customer window open');
  await typeAmount('2.5');
  await choose('#currency', 'USD');
  await choose('#gateway', 'demo');
  await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 2.5');
  await $('#charge').click();
  await waitFor('#qr svg', 'the QR code of the 2.50 sale');
  assert(await $('#print-receipt').isEnabled(), '#print-receipt is missing or disabled on the invoice screen');
  assert(await $('#save-receipt-pdf').isEnabled(), '#save-receipt-pdf is missing or disabled on the invoice screen');
  const link = await text('#pay-link');

  // WebKitWebDriver may or may not list a window the app opened itself.
  let other = null;
  try {
    await browser.waitUntil(async () => (await browser.getWindowHandles()).length > 1, { timeout: 10_000, interval: 200 });
    other = (await browser.getWindowHandles()).find((h) => h !== main) ?? null;
  } catch (e) {
    log(`  note: WebKitWebDriver lists no second window (${e.message.split('\n')[0]}); the customer window is checked through #customer-display only`);
  }
  const inCustomerWindow = async (what) => {
    await browser.switchToWindow(other);
    try {
      await what();
    } finally {
      await browser.switchToWindow(main);
    }
  };
  if (other) {
    await inCustomerWindow(async () => {
      await waitUntil(async () => (await exists('#customer-amount')) && (await text('#customer-amount')).includes('2.50'), async () => `the customer window shows "${(await exists('#customer-screen')) ? await text('#customer-screen') : '(no #customer-screen)'}", expected 2.50`);
      assert(await exists('#customer-qr svg'), 'the customer window shows no QR code while the invoice is open');
      const all = await text('#customer-screen');
      assert(!all.includes(link), 'the customer window shows more than the amount and the code (the link text)');
      // Not shot(): that checks the cashier page's start-up marker, which this window has not.
      await browser.saveScreenshot(path.join(shotsDir, 'customer-display.png'));
    });
  }
  const code = await post(`${link}/pay`);
  assert(code === 303, `POST ${link}/pay answered ${code}`);
  await waitFor('#status[data-status="paid"]', 'the 2.50 sale paid', PAID_WAIT_MS);
  if (other) {
    await inCustomerWindow(() => waitFor('#customer-thanks', 'the thank-you in the customer window'));
  }
  await $('#new-sale').click();
  await waitFor('#screen-charge', 'the keypad after #new-sale');
  if (other) {
    await inCustomerWindow(() => waitFor('#customer-welcome', 'the welcome in the customer window after New sale'));
  }
  await $('#customer-display').click();
  await waitUntil(async () => (await $('#customer-display').getAttribute('aria-pressed')) === 'false', '#customer-display did not report the customer window closed');
  if (other) await waitUntil(async () => (await browser.getWindowHandles()).length === 1, 'the customer window is still listed after closing it');
  await samePage();
}
