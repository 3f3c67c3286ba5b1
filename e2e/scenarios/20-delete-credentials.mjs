// Leaves the throwaway keyring clean: deletes the dex3 credentials of (c1), after (u) used them.

export const name = 'Settings: Delete credentials clears dex3';

export async function run(ctx) {
  const { dex3 } = ctx;
  const { $, text, waitUntil, goTo, choose } = ctx.ui;
  await goTo('settings');
  await choose('#settings-gateway', 'dex3');
  await $('#delete-credentials').click();
  for (const field of Object.keys(dex3.fields)) {
    await waitUntil(async () => /not set/i.test(await text(`[data-field-state="${field}"]`)), async () => `[data-field-state="${field}"] still says "${await text(`[data-field-state="${field}"]`)}" after #delete-credentials`);
  }
}
