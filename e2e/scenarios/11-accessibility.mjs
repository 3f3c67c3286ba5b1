// (g) accessibility: the keyboard alone, target sizes, type sizes, the status in words.

import { assert } from '../util.mjs';

export const name = '(g) accessibility: keyboard alone charges and abandons; targets >= 48 px; large type; status in words + aria-live';

export async function run(ctx) {
  const { browser } = ctx;
  const { $, text, waitFor, waitUntil, goTo, amountShown } = ctx.ui;
  /** Visible controls smaller than a fingertip (48 px) on the current screen. */
  const smallTargets = () =>
    browser.execute(() =>
      [...document.querySelectorAll('button, select, input:not([type=checkbox]):not([type=radio]), a[href]')]
        .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
        .map((el) => ({ el, box: el.getBoundingClientRect() }))
        .filter(({ box }) => box.height < 47.5 || box.width < 47.5)
        .map(({ el, box }) => `${el.tagName.toLowerCase()}#${el.id || '?'}.${el.className} ${Math.round(box.width)}x${Math.round(box.height)}`),
    );
  for (const screen of ['charge', 'history', 'report', 'settings']) {
    await goTo(screen);
    const small = await smallTargets();
    assert(small.length === 0, `on ${screen}, targets under 48 px: ${small.join('; ')}`);
  }
  await goTo('charge');
  const sizes = await browser.execute(() => ({
    body: parseFloat(getComputedStyle(document.body).fontSize),
    amount: parseFloat(getComputedStyle(document.querySelector('#amount')).fontSize),
  }));
  assert(sizes.body >= 16 && sizes.amount >= 32, `type too small: body ${sizes.body}px, amount ${sizes.amount}px`);

  // Keyboard alone: type, charge with Enter, reach Next customer with Tab, press it with Enter.
  await browser.execute(() => document.activeElement?.blur());
  await browser.keys(['Escape', '4', '.', '2', '5']);
  await waitUntil(async () => (await amountShown()) === '4.25', async () => `typing 4.25 on the keyboard shows "${await amountShown()}"`);
  await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 4.25 typed on the keyboard');
  await browser.keys(['Enter']);
  await waitFor('#screen-invoice', 'the invoice screen after Enter');
  await waitFor('#qr svg', 'the QR code of the keyboard sale');
  const live = await browser.execute(() => [...document.querySelectorAll('[aria-live]')].map((el) => el.textContent.trim()).join(' | '));
  assert(/waiting for payment/i.test(live), `no aria-live region announces the status in words (live regions: "${live}")`);
  const badge = await text('#status');
  assert(badge.length > 2, `#status shows "${badge}": the status must be in words, not colour alone`);
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await browser.keys(['Tab']);
    reached = await browser.execute(() => document.activeElement?.id === 'abandon');
  }
  assert(reached, 'Tab never reached #abandon on the invoice screen');
  await browser.keys(['Enter']);
  await waitFor('#screen-charge', 'the keypad after Enter on #abandon');
}
