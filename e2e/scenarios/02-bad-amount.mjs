// (a) a bad amount is refused with a readable message.

import { assert, log } from '../util.mjs';

export const name = '(a) bad amount: #amount-error with a readable message, #charge disabled';

export async function run(ctx) {
  const { $, exists, text, waitFor, waitGone, waitUntil, shot, goTo, choose, typeAmount, amountShown } = ctx.ui;
  await goTo('charge');
  await choose('#currency', 'USD');
  await typeAmount('0');
  await waitFor('#amount-error', '#amount-error for 0');
  const zero = await text('#amount-error');
  assert(/more than zero|zero/i.test(zero), `#amount-error for 0 says "${zero}"`);
  assert(!(await $('#charge').isEnabled()), '#charge is enabled while the amount is 0');
  await shot('bad-amount');

  // Too many decimals: the keypad stops a third decimal in USD, so type 1.234 in a currency
  // that has three (KWD), then switch the sale to USD.
  await typeAmount('1.234');
  const clamped = await amountShown();
  assert(clamped === '1.23', `typing 1.234 in USD shows "${clamped}" (the keypad should stop at 1.23)`);
  await choose('#currency', 'KWD');
  await typeAmount('1.234');
  await waitUntil(async () => (await amountShown()) === '1.234', async () => `typing 1.234 in KWD shows "${await amountShown()}"`);
  await waitGone('#amount-error', '#amount-error for 1.234 KWD');
  await choose('#currency', 'USD');
  if ((await amountShown()) === '1.234') {
    await waitUntil(
      async () => (await exists('#amount-error')) && /decimal/i.test(await text('#amount-error')),
      async () => `#amount-error for 1.234 USD never spoke of decimals (says "${(await exists('#amount-error')) ? await text('#amount-error') : '(absent)'}")`,
    );
    assert(!(await $('#charge').isEnabled()), '#charge is enabled while the amount is 1.234 USD');
    log(`  1.234 USD: "${await text('#amount-error')}"`);
  } else {
    log(`  note: switching 1.234 KWD to USD changed the amount to "${await amountShown()}" instead of showing an error`);
  }
  await typeAmount('5');
  await waitGone('#amount-error', '#amount-error after typing a valid 5');
  assert(await $('#charge').isEnabled(), '#charge is still disabled for a valid 5');
}
