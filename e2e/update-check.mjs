// One launch of the INSTALLED app for scripts/update-test, driven through WebKitWebDriver:
//
//   PHASE=refuse  node e2e/update-check.mjs   # records a cash sale; the update offered at start
//                                             # (a tampered package) is refused by Install with
//                                             # update_refused; with a sale open the backend
//                                             # answers not_now and Install sale_open; after Next
//                                             # customer the update is offered again
//   PHASE=foreign node e2e/update-check.mjs   # a package signed with another key is refused
//   PHASE=apply   node e2e/update-check.mjs   # the valid update is offered and installed, and
//                                             # Restart now starts the new version
//   PHASE=after   node e2e/update-check.mjs   # the updated app starts, its History still has the
//                                             # sale, and the manifest offers nothing newer
//
// Env: APP (the installed binary), DRIVER_LOG, OUT (a JSON file this writes its findings to),
// EXPECT_VERSION (the update's version), ORDER_ID (phase after: the sale recorded before),
// HTTP_LOG (the update server's log: phase apply waits there for the restarted app's request).
// Prints one `PASS name` / `FAIL name` line per check and exits 1 if any failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const { remote } = await import('webdriverio');
const { APP, DRIVER_LOG, OUT, PHASE, EXPECT_VERSION, ORDER_ID, HTTP_LOG } = process.env;

let failed = 0;
const found = {};
function check(name, ok, detail = '') {
  if (!ok) failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${!ok && detail ? ` (${detail})` : ''}`);
}

const port = await new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => resolve(p));
  });
});
const log = fs.openSync(DRIVER_LOG, 'a');
const env = { ...process.env, WEBKIT_DISABLE_COMPOSITING_MODE: '0' };
const driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=local'], { env, stdio: ['ignore', log, log], detached: true });
let browser;
try {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await new Promise((r) =>
      net.connect(port, '127.0.0.1').on('connect', function () { this.destroy(); r(true); }).on('error', () => r(false)));
    if (up) break;
    if (Date.now() > deadline || driver.exitCode !== null) throw new Error('WebKitWebDriver did not listen');
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await remote({
    hostname: '127.0.0.1', port, logLevel: 'warn', connectionRetryTimeout: 60_000, connectionRetryCount: 0,
    capabilities: { 'webkitgtk:browserOptions': { binary: APP, args: [] } },
  });
  await browser.waitUntil(() => browser.execute(() => document.documentElement.dataset.ready === 'true'),
    { timeout: 30_000, interval: 150, timeoutMsg: 'the app never became ready' });

  /** A backend command called as the UI's api module calls it; resolves to {ok, value|error}. */
  const invoke = async (command, args = {}) =>
    JSON.parse(await browser.executeAsync((command, args, done) => {
      const answer = (reply) => done(JSON.stringify(reply));
      try {
        window.__TAURI_INTERNALS__.invoke(command, args).then(
          (value) => answer({ ok: true, value: value ?? null }),
          (error) => answer({ ok: false, error }));
      } catch (e) {
        answer({ ok: false, error: { code: 'script', message: String(e) } });
      }
    }, command, args));
  const exists = async (sel) => (await browser.$$(sel)).length > 0;
  const waitFor = (sel, timeout = 60_000) =>
    browser.waitUntil(() => exists(sel), { timeout, interval: 200, timeoutMsg: `${sel} never appeared` });
  const attr = async (sel, name) => (await browser.$(sel)).getAttribute(name);

  /** The update is offered, and Install refuses it: `what` is wrong with its signature. */
  async function refused(what) {
    await waitFor('#update-available');
    check(`the update ${EXPECT_VERSION} is offered on the idle till`, (await attr('#update-available', 'data-version')) === EXPECT_VERSION);
    await (await browser.$('#update-install')).click();
    await waitFor('#update-error', 120_000);
    const code = await attr('.update-error', 'data-code');
    const message = await (await browser.$('#update-error')).getText();
    found.refusal = { code, message };
    check(`Install refuses ${what} with update_refused`, code === 'update_refused', `${code}: ${message}`);
    check('the refusal says the signature does not match and nothing was installed',
      /signature/.test(message) && /nothing was installed/.test(message), message);
    check('nothing claims to be installed', !(await exists('#update-installed')));
  }

  if (PHASE === 'foreign') {
    await refused('a package signed with another key');
  } else if (PHASE === 'refuse') {
    const sale = await invoke('record_cash_sale', { amount: '4.20', currency: 'USD', description: 'before the update' });
    check('a cash sale is recorded (the ledger has a row to keep)', sale.ok, JSON.stringify(sale.error));
    found.order_id = sale.value?.order_id;

    // The manifest offers the update; its package was altered after signing.
    await refused('a package altered after signing');

    // A sale open at the counter: the backend offers nothing and installs nothing.
    await (await browser.$('button[data-key="clear"]')).click();
    for (const key of ['5']) await (await browser.$(`button[data-key="${key}"]`)).click();
    await browser.waitUntil(async () => (await browser.$('#charge')).isEnabled(), { timeout: 15_000, timeoutMsg: '#charge stayed disabled' });
    await (await browser.$('#charge')).click();
    await waitFor('#screen-invoice', 30_000);
    const served = () => (HTTP_LOG && fs.existsSync(HTTP_LOG) ? fs.readFileSync(HTTP_LOG, 'utf8').split('\n').filter((l) => l.includes('"GET ')).length : 0);
    const servedBefore = served();
    try {
      const during = await invoke('check_update');
      found.check_during_sale = during;
      check('with a sale open, check_update answers not_now', during.ok && during.value.state === 'not_now', JSON.stringify(during));
      check('with a sale open, no update notice is shown', !(await exists('#update-notice')));
      const install = await invoke('install_update');
      check('with a sale open, install_update is refused with sale_open', !install.ok && install.error.code === 'sale_open', JSON.stringify(install));
      check('with a sale open, the update server is not asked at all', served() === servedBefore);
    } finally {
      // Next customer: the sale is abandoned (still followed), and the gate opens again.
      await (await browser.$('#abandon')).click();
      await browser.waitUntil(async () => !(await exists('#screen-invoice')), { timeout: 30_000, timeoutMsg: 'the invoice screen stayed after Next customer' });
    }
    const after = await invoke('check_update');
    check('after Next customer, check_update offers the update again', after.ok && after.value.state === 'available', JSON.stringify(after));
  } else if (PHASE === 'apply') {
    await waitFor('#update-available');
    check(`the update ${EXPECT_VERSION} is offered on the idle till`, (await attr('#update-available', 'data-version')) === EXPECT_VERSION);
    await (await browser.$('#update-install')).click();
    await browser.waitUntil(async () => (await exists('#update-installed')) || (await exists('#update-error')),
      { timeout: 300_000, interval: 250, timeoutMsg: 'neither #update-installed nor #update-error appeared after Install' });
    if (await exists('#update-error')) {
      const message = await (await browser.$('#update-error')).getText();
      check('Install installs the signed update', false, `${await attr('.update-error', 'data-code')}: ${message}`);
    } else {
      check('Install installs the signed update and says which version', (await attr('#update-installed', 'data-version')) === EXPECT_VERSION);
      check('a restart is offered', await exists('#update-restart'));
      // Restart now: the app exits and starts the binary now installed, which asks the update
      // server at start with its own version in the URL (PAYDESK_UPDATE_URL's {{current_version}}).
      // The app quits while the click is answered, so the driver may report the click as failed.
      await (await browser.$('#update-restart')).click().catch(() => {});
      const deadline = Date.now() + 60_000;
      const asked = () => fs.existsSync(HTTP_LOG) && fs.readFileSync(HTTP_LOG, 'utf8').includes(`from=${EXPECT_VERSION}`);
      while (!asked() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      check(`Restart now starts ${EXPECT_VERSION}, which asks the update server as ${EXPECT_VERSION}`, asked());
    }
  } else if (PHASE === 'after') {
    const history = await invoke('history', { search: '', limit: 50, offset: 0 });
    const ids = history.ok ? history.value.map((i) => i.order_id) : [];
    check(`the updated app's History still has the sale ${ORDER_ID}`, ids.includes(ORDER_ID), JSON.stringify(history.ok ? ids : history.error));
    const again = await invoke('check_update');
    check('the updated app is told it is up to date', again.ok && again.value.state === 'up_to_date' && again.value.current_version === EXPECT_VERSION, JSON.stringify(again));
  } else {
    throw new Error(`unknown PHASE ${PHASE}`);
  }
} catch (e) {
  check(`phase ${PHASE} ran to the end`, false, e.message);
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  try { process.kill(-driver.pid, 'SIGTERM'); } catch {}
  if (OUT) fs.writeFileSync(OUT, JSON.stringify(found));
}
process.exit(failed === 0 ? 0 : 1);
