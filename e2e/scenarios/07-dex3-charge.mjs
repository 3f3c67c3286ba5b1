// (c3) a Dex3 sale on the simulator, paid: the second of the two paid sales (d) expects in History.

export const name = '(c3) Dex3: 12.34 -> invoice on the simulator with QR and link -> pay -> Paid';

export async function run(ctx) {
  const { sim } = ctx;
  const { $, waitFor, chargeAndPay } = ctx.ui;
  const inv = await chargeAndPay('dex3', { linkPrefix: `${sim.base}/` });
  ctx.state.sales.push(inv);
  await $('#new-sale').click();
  await waitFor('#screen-charge', 'the charge screen after #new-sale');
}
