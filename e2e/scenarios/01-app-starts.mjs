// The app started by WebKitWebDriver is this run's (its environment holds the run's keyring service,
// data and export dirs), its output goes to the app log, and it signals ready. Also marks the page,
// which samePage() and shot() check later, and records the app's pid for the harness to stop.
// Runs first: when it fails the runner stops, as nothing else can work.

import fs from 'node:fs';
import { findAppProcess, webProcessEnv } from '../processes.mjs';
import { assert } from '../util.mjs';

export const name = 'app starts with the test environment and signals ready';

export async function run(ctx) {
  const { app: APP, service, dataDir, exportDir, appLog, browser } = ctx;
  const { exists, waitUntil } = ctx.ui;
  let found = null;
  await waitUntil(() => (found = findAppProcess(APP, service)) !== null, `no ${APP} process carries PAYDESK_KEYRING_SERVICE=${service}`, 10_000);
  const appPid = found.pid;
  ctx.harness.appPid = appPid; // the harness stops it at the end
  assert(found.env.PAYDESK_DATA_DIR === dataDir, `the app's PAYDESK_DATA_DIR is ${found.env.PAYDESK_DATA_DIR}`);
  assert(found.env.PAYDESK_EXPORT_DIR === exportDir, `the app's PAYDESK_EXPORT_DIR is ${found.env.PAYDESK_EXPORT_DIR}`);
  // Its stdout and stderr are the driver's, i.e. the log that (e) searches for the secret.
  for (const fd of [1, 2]) {
    const target = fs.readlinkSync(`/proc/${appPid}/fd/${fd}`);
    assert(target === appLog, `the app's fd ${fd} goes to ${target}, not to ${appLog}`);
  }
  await waitUntil(() => browser.execute(() => document.documentElement.dataset.ready === 'true'), 'document.documentElement.dataset.ready never became "true"', 30_000);
  await browser.execute(() => {
    window.__paydeskE2e = 1;
  });
  // The page runs without JavaScriptCore's JIT (src-tauri/lib.rs): the web process was started so.
  const web = webProcessEnv(appPid);
  assert(web !== null, `no WebKit web process is a child of the app (pid ${appPid})`);
  assert(web.JSC_useJIT === '0', `the web process has JSC_useJIT=${web.JSC_useJIT}, expected 0`);
  assert(await exists('#screen-charge'), 'the first screen is not #screen-charge');
  for (const id of ['#nav-charge', '#nav-history', '#nav-settings', '#amount', '#currency', '#gateway', '#charge']) {
    assert(await exists(id), `${id} is missing on the first screen`);
  }
}
