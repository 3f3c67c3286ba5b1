// (u) a lost Dex3 answer: the sale is unknown, no cash is offered, a manager settles it in History.
// Needs the dex3 credentials of (c1) and the base URL of (c2).

import { assert } from '../util.mjs';

export const name = '(u) a lost Dex3 answer: the sale is unknown, no cash is offered, Check asks Dex3, a manager settles it from the dashboard';

export async function run(ctx) {
  const { sim } = ctx;
  const { $, exists, text, waitFor, waitGone, waitUntil, shot, goTo, choose, typeAmount } = ctx.ui;
  // Dex3 makes the invoice, then the connection drops before its answer: the customer may pay it.
  const arm = { fault: { kind: 'drop_after_handling' }, gateway: 'dex3', path_contains: 'createpayment', times: 1 };
  const armed = await fetch(`${sim.base}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(arm) });
  assert(armed.status === 204, `the simulator did not arm the fault (HTTP ${armed.status})`);
  await goTo('charge');
  await choose('#gateway', 'dex3');
  await choose('#currency', 'USD');
  await typeAmount('4.56');
  await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 4.56');
  await $('#charge').click();
  await waitFor('#sale-unknown', '#sale-unknown after a create whose answer was lost', 60_000);
  const said = await text('#charge-error');
  assert(/may still pay/.test(said), `#charge-error says "${said}", expected that the customer may still pay`);
  assert(!(await exists('#offline')), 'cash was offered for a sale whose invoice may be live');
  const order = await $('#sale-unknown').getAttribute('data-order-id');
  assert(/^\S+-\d{8}-\w+$/.test(order ?? ''), `#sale-unknown names no order id: "${order}"`);
  // Dex3 refuses the repeat (it has the invoice) and cannot be asked for it: check the dashboard.
  await $('#check-sale').click();
  await waitFor('#check-error', '#check-error after Check this sale');
  const checked = await text('#check-error');
  assert(/dashboard/.test(checked), `#check-error says "${checked}", expected to check the Dex3 dashboard`);
  assert(await exists('#sale-unknown'), 'the unknown-sale warning went away after a refused check');
  await shot('sale-unknown', '#sale-unknown');

  await goTo('history');
  const row = `.history-row[data-order-id="${order}"]`;
  await waitFor(`${row}[data-status="unknown"]`, `${order} as unknown in History`);
  await shot('history-settle', row);
  await $(`${row} .settle-row[data-paid="true"]`).click();
  await waitFor('#settle-dialog', '#settle-dialog from Mark paid');
  await $('#settle-reason').setValue('seen paid on the Dex3 dashboard');
  await $('#settle-save').click();
  await waitGone('#settle-dialog');
  await waitFor(`${row}[data-status="paid"]`, `${order} as paid in History after Mark paid`);
  assert(!(await exists(`${row} .settle-row`)), 'a settled sale still offers Mark paid');
}
