// (e) the secret typed in (c1) is in neither the page (then and now), the app log, nor the
// ledger or export dirs.

import fs from 'node:fs';
import { assert, filesUnder } from '../util.mjs';

export const name = '(e) the secret typed in Settings is in neither the page, the app log, nor the ledger dir';

export async function run(ctx) {
  const { dataDir, exportDir, appLog, secret: SECRET, browser } = ctx;
  const { samePage } = ctx.ui;
  assert(ctx.state.savedSource !== null, 'no page source was taken after saving the credentials (c1 failed)');
  assert(!ctx.state.savedSource.includes(SECRET), 'the page source after saving the credentials contains the secret');
  await samePage();
  const now = await browser.getPageSource();
  assert(!now.includes(SECRET), 'the page source now contains the secret');
  const logText = fs.readFileSync(appLog);
  assert(logText.indexOf(SECRET) === -1, `the app's stdout/stderr log (${appLog}) contains the secret`);
  const files = filesUnder(dataDir);
  assert(files.length > 0, `the ledger dir ${dataDir} is empty`);
  for (const f of files) assert(fs.readFileSync(f).indexOf(SECRET) === -1, `${f} contains the secret`);
  for (const f of filesUnder(exportDir)) assert(fs.readFileSync(f).indexOf(SECRET) === -1, `${f} contains the secret`);
}
