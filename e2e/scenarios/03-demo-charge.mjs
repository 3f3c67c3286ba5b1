// (b) a Demo sale paid on the simulator: the first of the two paid sales (d) expects in History.

export const name = '(b) Demo: 12.34 -> invoice with QR and link -> pay -> Paid';

export async function run(ctx) {
  const { $, waitFor, chargeAndPay } = ctx.ui;
  const inv = await chargeAndPay('demo', { shots: true, linkPrefix: 'http://127.0.0.1' });
  ctx.state.sales.push(inv);
  await $('#new-sale').click();
  await waitFor('#screen-charge', 'the charge screen after #new-sale');
}
