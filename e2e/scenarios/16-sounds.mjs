// Sounds: the Test sound button.

import { assert } from '../util.mjs';

export const name = 'Sounds: Test sound next to #sounds plays without breaking the window';

export async function run(ctx) {
  const { $, exists, samePage, goTo } = ctx.ui;
  await goTo('settings');
  assert(!(await $('#sounds').isSelected()), '#sounds is on by default');
  await $('#sound-test').click();
  await samePage();
  assert(await exists('#screen-settings'), 'the settings screen went away after #sound-test');
}
