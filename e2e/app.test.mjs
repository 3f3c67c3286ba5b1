// End-to-end test of the Paydesk desktop app: the real window (under Xvfb), driven through WebKit's
// own WebDriver (WebKitWebDriver, no tauri-driver), against the `paydesk simulate` gateway
// simulator over 127.0.0.1. Plain Node, no test runner:
//
//   PAYDESK_APP=.../paydesk-app PAYDESK_CLI=.../paydesk node e2e/app.test.mjs
//
// scripts/e2e builds everything and runs this under a throwaway keyring and a virtual X server.
// Each scenario prints one PASS/FAIL line; the last line is always `e2e: N passed, M failed`.
// Screenshots of every screen go to PAYDESK_E2E_SCREENSHOTS (default: a fresh temp dir, so a test
// run leaves the committed docs/screenshots/ alone; point it there to refresh them).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { remote } from 'webdriverio';

const HARD_TIMEOUT_MS = Number(process.env.PAYDESK_E2E_TIMEOUT_MS || 300_000);
const WAIT_MS = 20_000; // a single UI wait
const PAID_WAIT_MS = 45_000; // the app polls every 2 s
const SHOTS = path.resolve(process.env.PAYDESK_E2E_SCREENSHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'paydesk-shots-')));

const results = [];
const children = []; // {name, proc}
let browser = null;
let appPid = null;
let appService = null;
let tmpRoot = null;
let finished = false;

// ---------------------------------------------------------------------------------------------
// Small helpers

function log(msg) {
  process.stdout.write(`e2e: ${msg}\n`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects if `promise` takes longer than `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function requireExecutable(name) {
  const file = process.env[name];
  assert(file, `${name} is not set (the path of the binary to test)`);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new Error(`${name}=${file} is not an executable file`);
  }
  return path.resolve(file);
}

/** The environment without any PAYDESK_* variable of the developer's own (they could point a
 *  gateway elsewhere or bring credentials); PAYDESK_TEST_KEYRING is harmless and kept. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PAYDESK_') && k !== 'PAYDESK_TEST_KEYRING') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms, proc) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`the process exited (code ${proc.exitCode}) before listening on ${port}`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${ms / 1000} s`);
}

/** POSTs with an empty body, as the simulator's pay page form does; resolves to the status code. */
function post(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Length': 0 }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The app process started for this run: the one whose environment holds our unique keyring
 *  service name. This also proves the app inherited the driver's environment. */
function findAppProcess(app, service) {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.realpathSync(`/proc/${entry}/exe`) !== fs.realpathSync(app)) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`PAYDESK_KEYRING_SERVICE=${service}`)) {
        return { pid: Number(entry), env: Object.fromEntries(env.filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) };
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Processes

/** `paydesk simulate --port 0`: resolves to {base, gateways: {id: {baseUrl, fields: {name: value}}}}
 *  read from its start-up lines. */
function startSimulator(cli, logFile) {
  const proc = spawn(cli, ['simulate', '--port', '0'], {
    env: cleanEnv({}),
    stdio: ['ignore', 'pipe', fs.openSync(logFile, 'a')],
  });
  children.push({ name: 'simulator', proc });
  return withTimeout(
    new Promise((resolve, reject) => {
      let text = '';
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`paydesk simulate exited (code ${code}); output: ${text}`)));
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (chunk) => {
        fs.appendFileSync(logFile, chunk);
        text += chunk;
        const lines = text.split('\n');
        const base = (lines[0].match(/http:\/\/\S+/) || [])[0];
        // Settled once dex3's block is complete (another gateway's block follows it).
        if (!base || !/dex3\s+base URL[^\n]*\n(?:[ \t]+\w+ = [^\n]*\n)+[ \t]+\S+\s+base URL/.test(text)) return;
        const gateways = {};
        let current = null;
        for (const line of lines.slice(1)) {
          let m = line.match(/^\s+(\S+)\s+base URL (\S+)/);
          if (m) {
            current = gateways[m[1]] = { baseUrl: m[2], fields: {} };
            continue;
          }
          m = line.match(/^\s+(\w+) = (.*)$/);
          if (m && current) current.fields[m[1]] = m[2].trim();
        }
        proc.stdout.removeAllListeners('data');
        proc.stdout.on('data', (c) => fs.appendFileSync(logFile, c));
        proc.removeAllListeners('exit');
        resolve({ base: base.replace(/\/$/, ''), gateways });
      });
    }),
    15_000,
    'paydesk simulate start-up',
  );
}

function startDriver(port, env, logFile) {
  const fd = fs.openSync(logFile, 'a');
  // The app is launched by the driver and writes its stdout/stderr into the same log.
  const proc = spawn('WebKitWebDriver', [`--port=${port}`, '--host=local'], { env, stdio: ['ignore', fd, fd], detached: true });
  children.push({ name: 'WebKitWebDriver', proc, group: true });
  proc.on('error', (e) => log(`WebKitWebDriver did not start: ${e.message}`));
  return proc;
}

async function cleanup() {
  if (browser) {
    const b = browser;
    browser = null;
    await withTimeout(b.deleteSession(), 10_000, 'deleteSession').catch((e) => log(`cleanup: ${e.message}`));
  }
  if (appPid && isAlive(appPid)) {
    try {
      process.kill(appPid, 'SIGTERM');
    } catch {}
  }
  for (const { proc, group } of children) {
    if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) continue;
    try {
      if (group) process.kill(-proc.pid, 'SIGTERM');
      else proc.kill('SIGTERM');
    } catch {}
  }
  await sleep(300);
  if (appPid && isAlive(appPid)) {
    try {
      process.kill(appPid, 'SIGKILL');
    } catch {}
  }
  for (const { proc, group } of children) {
    if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) continue;
    try {
      if (group) process.kill(-proc.pid, 'SIGKILL');
      else proc.kill('SIGKILL');
    } catch {}
  }
}

function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  return { passed, failed, line: `e2e: ${passed} passed, ${failed} failed` };
}

async function finish(extraFailure) {
  if (finished) return;
  finished = true;
  if (extraFailure) {
    results.push({ name: extraFailure.name, ok: false });
    log(`FAIL ${extraFailure.name}: ${extraFailure.message}`);
  }
  await withTimeout(cleanup(), 20_000, 'cleanup').catch((e) => log(`cleanup: ${e.message}`));
  const { passed, failed, line } = summary();
  const ok = failed === 0 && passed > 0;
  if (tmpRoot) {
    if (ok && !process.env.PAYDESK_E2E_KEEP) fs.rmSync(tmpRoot, { recursive: true, force: true });
    else log(`kept the run's files (logs, ledger, failure screenshots) in ${tmpRoot}`);
  }
  process.stdout.write(`${line}\n`);
  process.exit(ok ? 0 : 1);
}

// ---------------------------------------------------------------------------------------------
// Scenarios

async function scenario(name, fn) {
  if (finished) return false; // the run was stopped (time limit, signal): report nothing more
  const started = Date.now();
  try {
    await fn();
    if (finished) return false;
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (e) {
    if (finished) return false;
    results.push({ name, ok: false });
    log(`FAIL ${name}: ${(e && e.message) || e}`.split('\n').slice(0, 6).join('\n    '));
    if (browser && tmpRoot) {
      const shot = path.join(tmpRoot, `failed-${results.length}.png`);
      await withTimeout(browser.saveScreenshot(shot), 10_000, 'screenshot')
        .then(() => log(`  the window at the failure: ${shot}`))
        .catch(() => {});
    }
    return false;
  }
}

async function main() {
  const hardTimer = setTimeout(() => {
    finish({ name: 'whole run', message: `did not finish within ${HARD_TIMEOUT_MS / 1000} s` });
  }, HARD_TIMEOUT_MS);
  // Whatever happens, no process of this run outlives it.
  process.on('exit', () => {
    const pids = children.filter((c) => c.proc.pid && c.proc.exitCode === null && c.proc.signalCode === null).map((c) => (c.group ? -c.proc.pid : c.proc.pid));
    if (appPid && findAppProcess(process.env.PAYDESK_APP, appService)?.pid === appPid) pids.push(appPid);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish({ name: 'whole run', message: `stopped by ${sig}` }));

  const APP = requireExecutable('PAYDESK_APP');
  const CLI = requireExecutable('PAYDESK_CLI');
  assert(process.env.DISPLAY, 'DISPLAY is not set: run this under xvfb-run (scripts/e2e does)');

  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'paydesk-e2e-'));
  const dataDir = path.join(tmpRoot, 'data');
  const exportDir = path.join(tmpRoot, 'export');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(exportDir);
  fs.mkdirSync(SHOTS, { recursive: true });
  const service = `dev.paydesk.e2e.${process.pid}.${Date.now()}`;
  appService = service;
  const appLog = path.join(tmpRoot, 'app.log'); // WebKitWebDriver's and the app's stdout+stderr
  const simLog = path.join(tmpRoot, 'simulator.log');

  const sim = await startSimulator(CLI, simLog);
  const dex3 = sim.gateways.dex3;
  assert(dex3 && dex3.fields.merchant_public && dex3.fields.merchant_private, `the simulator listed no dex3 credentials: ${JSON.stringify(sim)}`);
  const SECRET = dex3.fields.merchant_private;
  log(`simulator at ${sim.base}`);

  const port = await freePort();
  const driver = startDriver(
    port,
    cleanEnv({
      TAURI_WEBVIEW_AUTOMATION: 'true',
      PAYDESK_DATA_DIR: dataDir,
      PAYDESK_EXPORT_DIR: exportDir,
      PAYDESK_KEYRING_SERVICE: service,
      NO_AT_BRIDGE: '1',
    }),
    appLog,
  );
  await waitForPort(port, 15_000, driver);

  browser = await withTimeout(
    remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'warn',
      connectionRetryTimeout: 60_000,
      connectionRetryCount: 0,
      // No browserName: WebKitWebDriver would refuse to match it.
      capabilities: { 'webkitgtk:browserOptions': { binary: APP, args: [] } },
    }),
    90_000,
    'creating the WebDriver session (launching the app)',
  );

  // ---- helpers bound to the session
  const $ = (sel) => browser.$(sel);
  const $$ = (sel) => browser.$$(sel);
  const exists = (sel) => $(sel).isExisting();
  const text = async (sel) => (await $(sel).getText()).trim();
  const waitFor = (sel, what = sel, ms = WAIT_MS) => $(sel).waitForExist({ timeout: ms, timeoutMsg: `${what} did not appear within ${ms / 1000} s` });
  const waitGone = (sel, what = sel, ms = WAIT_MS) =>
    $(sel).waitForExist({ timeout: ms, reverse: true, timeoutMsg: `${what} was still there after ${ms / 1000} s` });
  /** Polls `fn` until truthy; `what` (text, or an async function for a message read at the
   *  timeout, so it shows the state at that moment) explains a timeout. */
  const waitUntil = async (fn, what, ms = WAIT_MS) => {
    try {
      await browser.waitUntil(fn, { timeout: ms, interval: 150 });
    } catch (e) {
      const why = typeof what === 'function' ? await what().catch((err) => `(${err.message})`) : what;
      throw new Error(`${why} (waited ${ms / 1000} s)${/timeout/i.test(e.message) ? '' : `: ${e.message}`}`);
    }
  };
  /** The page the session started on is still the one shown (no reload lost the cashier's state). */
  const samePage = async () => {
    const marked = await browser.execute(() => window.__paydeskE2e === 1);
    assert(marked, 'the page was reloaded during the run (the marker set at start-up is gone)');
  };
  /** Waits for two rendered frames, so the picture shows the DOM as it is now. */
  const settle = () => browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  const shot = async (name, reveal = null) => {
    await samePage();
    // A cashier arriving on a screen sees its top (a click may have scrolled the page), scrolled
    // only as far as needed to show `reveal` whole.
    await browser.execute((sel) => {
      document.scrollingElement?.scrollTo(0, 0);
      const el = sel && document.querySelector(sel);
      if (!el) return;
      el.scrollIntoView({ block: 'nearest' });
      // A sticky bar may still cover it: scroll on until its last line is what shows there.
      for (let i = 0; i < 40; i++) {
        const box = el.getBoundingClientRect();
        const top = document.elementFromPoint(box.left + 4, Math.min(box.bottom - 3, innerHeight - 1));
        if (!top || el.contains(top)) break;
        document.scrollingElement.scrollBy(0, 16);
      }
    }, reveal);
    await settle();
    await browser.saveScreenshot(path.join(SHOTS, `${name}.png`));
  };
  const goTo = async (screen) => {
    await $(`#nav-${screen}`).click();
    await waitFor(`#screen-${screen}`, `the ${screen} screen`);
  };
  const choose = async (sel, value) => {
    const el = await $(sel);
    await el.waitForExist({ timeout: WAIT_MS, timeoutMsg: `${sel} did not appear` });
    const values = await browser.execute((s) => [...document.querySelector(s).options].map((o) => o.value), sel);
    assert(values.includes(value), `${sel} has no option "${value}" (options: ${values.join(', ')})`);
    await el.selectByAttribute('value', value);
    await waitUntil(async () => (await el.getValue()) === value, `${sel} did not take the value "${value}"`);
  };
  const typeAmount = async (amount) => {
    await $('button[data-key="clear"]').click();
    for (const ch of amount) await $(`button[data-key="${ch}"]`).click();
  };
  const amountShown = () => text('#amount');
  const readInvoice = async () => ({
    link: await text('#pay-link'),
    amount: await text('#invoice-amount'),
    status: await $('#status').getAttribute('data-status'),
  });
  /** Charge 12.34 on `gateway`; checks the invoice screen; pays on the simulator; waits for Paid. */
  const chargeAndPay = async (gateway, { shots = false, linkPrefix }) => {
    await goTo('charge');
    await typeAmount('12.34');
    await waitUntil(async () => (await amountShown()).includes('12.34'), async () => `#amount did not show 12.34 (shows "${await amountShown()}")`);
    await choose('#currency', 'USD');
    await choose('#gateway', gateway);
    await waitUntil(async () => (await $('#charge').isEnabled()) && !(await exists('#amount-error')), '#charge stayed disabled for a valid 12.34');
    if (shots) await shot('charge');
    await $('#charge').click();
    await waitUntil(async () => (await exists('#screen-invoice')) || (await exists('#charge-error')), 'neither the invoice screen nor #charge-error appeared after Charge', 30_000);
    if (await exists('#charge-error')) throw new Error(`the charge failed: #charge-error says "${await text('#charge-error')}"`);
    await waitFor('#qr svg', 'the QR code (<svg> in #qr)');
    await waitUntil(async () => (await text('#pay-link')).startsWith('http'), '#pay-link never showed a link');
    const inv = await readInvoice();
    assert(inv.link.startsWith(linkPrefix), `#pay-link is "${inv.link}", expected it to start with ${linkPrefix}`);
    assert(inv.amount.includes('12.34'), `#invoice-amount is "${inv.amount}", expected 12.34`);
    assert(['pending', 'creating', 'confirming'].includes(inv.status), `#status data-status is "${inv.status}" before paying`);
    const qr = await browser.execute(() => {
      const svg = document.querySelector('#qr svg');
      const box = svg.getBoundingClientRect();
      return { w: box.width, h: box.height };
    });
    assert(qr.w >= 100 && qr.h >= 100, `the QR code is only ${qr.w}x${qr.h} px on screen`);
    for (const id of ['#invoice-gateway', '#copy-link', '#open-link', '#countdown', '#status', '#new-sale']) {
      assert(await exists(id), `${id} is missing on the invoice screen`);
    }
    const gwShown = await text('#invoice-gateway');
    assert(gwShown.toLowerCase().includes(gateway), `#invoice-gateway says "${gwShown}", expected it to name ${gateway}`);
    if (shots) {
      await waitUntil(async () => /^\d+:\d\d$/.test(await text('#countdown')), `#countdown did not show mm:ss`);
      await shot('invoice-pending');
    }
    const code = await post(`${inv.link}/pay`);
    assert(code === 303, `POST ${inv.link}/pay answered ${code}, expected 303`);
    await waitFor('#status[data-status="paid"]', '#status[data-status="paid"]', PAID_WAIT_MS);
    const label = await text('#status');
    assert(label.length > 0 && label !== 'paid', `#status's label is "${label}", expected a human label`);
    await waitFor('#end-state[data-status="paid"]', '#end-state[data-status="paid"]');
    const endText = await text('#end-state');
    assert(endText.length > 0, '#end-state is empty');
    if (shots) await shot('invoice-paid');
    return { ...inv, gatewayShown: gwShown, endText };
  };

  // ---- the app started, with our environment
  const started = await scenario('app starts with the test environment and signals ready', async () => {
    let found = null;
    await waitUntil(() => (found = findAppProcess(APP, service)) !== null, `no ${APP} process carries PAYDESK_KEYRING_SERVICE=${service}`, 10_000);
    appPid = found.pid;
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
    assert(await exists('#screen-charge'), 'the first screen is not #screen-charge');
    for (const id of ['#nav-charge', '#nav-history', '#nav-settings', '#amount', '#currency', '#gateway', '#charge']) {
      assert(await exists(id), `${id} is missing on the first screen`);
    }
  });

  if (!started) {
    log('the app is not usable, so the other scenarios were not run');
    clearTimeout(hardTimer);
    return finish();
  }

  // ---- (a) a bad amount is refused with a readable message
  await scenario('(a) bad amount: #amount-error with a readable message, #charge disabled', async () => {
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
  });

  // ---- (b) Demo: charge, QR and link, pay, Paid
  const sales = [];
  await scenario('(b) Demo: 12.34 -> invoice with QR and link -> pay -> Paid', async () => {
    const inv = await chargeAndPay('demo', { shots: true, linkPrefix: 'http://127.0.0.1' });
    sales.push(inv);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');
  });

  // ---- (c0) a charge the gateway cannot take yet says why, and charges nothing
  await scenario('(c0) Dex3 before any credential: #charge-error says what is missing', async () => {
    await goTo('charge');
    await typeAmount('12.34');
    await choose('#currency', 'USD');
    await choose('#gateway', 'dex3');
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 12.34 USD on dex3');
    await $('#charge').click();
    await waitFor('#charge-error', '#charge-error after charging dex3 with no credentials');
    const msg = await text('#charge-error');
    assert(/merchant_p|credential|key/i.test(msg), `#charge-error says "${msg}", expected it to name the missing credential`);
    assert(!(await exists('#screen-invoice')) && (await exists('#screen-charge')), 'the app left the charge screen after a refused charge');
    log(`  #charge-error: "${msg}"`);
    await choose('#gateway', 'demo');
  });

  // ---- (c) Settings: dex3 credentials into the keyring, base URL to the simulator, test, charge
  let savedSource = null;
  await scenario('(c1) Settings: dex3 credentials saved to the keyring (write-only fields)', async () => {
    await goTo('settings');
    await choose('#settings-gateway', 'dex3');
    for (const field of Object.keys(dex3.fields)) {
      await waitFor(`input[data-field="${field}"]`, `the ${field} input`);
      await waitUntil(async () => /not set/i.test(await text(`[data-field-state="${field}"]`)), async () => `before saving, [data-field-state="${field}"] says "${await text(`[data-field-state="${field}"]`)}", expected "not set"`);
    }
    assert((await $('input[data-field="merchant_private"]').getAttribute('type')) === 'password', 'the secret merchant_private input is not type=password');
    for (const [field, value] of Object.entries(dex3.fields)) await $(`input[data-field="${field}"]`).setValue(value);
    await $('#save-credentials').click();
    for (const field of Object.keys(dex3.fields)) {
      await waitUntil(async () => /^set\b/i.test(await text(`[data-field-state="${field}"]`)), async () => `[data-field-state="${field}"] did not turn to set (says "${await text(`[data-field-state="${field}"]`)}")`);
      const state = await text(`[data-field-state="${field}"]`);
      assert(/keyring/i.test(state), `[data-field-state="${field}"] says "${state}", expected "set (keyring)"`);
      const value = await $(`input[data-field="${field}"]`).getValue();
      assert(value === '', `input[data-field="${field}"] still holds a value after saving`);
    }
    savedSource = await browser.getPageSource();
  });

  await scenario('(c2) Settings: base URL to the simulator, saved; Test connection answers', async () => {
    await goTo('settings');
    await choose('#settings-gateway', 'dex3');
    await waitFor('#base-url');
    await $('#base-url').setValue(`${sim.base}/dex3/`);
    await $('#save-settings').click();
    await waitUntil(async () => (await exists('#settings-message')) && (await text('#settings-message')).length > 0, '#settings-message stayed empty after #save-settings');
    const msg = await text('#settings-message');
    assert(!/error|fail|invalid|not /i.test(msg), `#settings-message after saving says "${msg}"`);
    await $('#test-connection').click();
    await waitUntil(async () => (await exists('#connection-result')) && (await text('#connection-result')).length > 0, '#connection-result stayed empty');
    const result = await text('#connection-result');
    const host = new URL(sim.base).host;
    assert(result.includes('127.0.0.1'), `#connection-result says "${result}", expected it to name the simulator's host ${host}`);
    assert(/^reachable\b/i.test(result) && !/could not be reached|missing/i.test(result), `#connection-result says "${result}", expected the gateway ready`);
    assert((await $('#base-url').getValue()) === `${sim.base}/dex3/`, '#base-url lost its value after saving');
    for (const id of ['#default-gateway', '#default-currency', '#decimal-comma', '#delete-credentials']) {
      assert(await exists(id), `${id} is missing on the settings screen`);
    }
    await shot('settings', '#connection-result');
  });

  await scenario('(c3) Dex3: 12.34 -> invoice on the simulator with QR and link -> pay -> Paid', async () => {
    const inv = await chargeAndPay('dex3', { linkPrefix: `${sim.base}/` });
    sales.push(inv);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');
  });

  // ---- (d) History: both sales, search, CSV export
  await scenario('(d) History: both sales paid, search by order id, CSV export with 2 rows', async () => {
    await goTo('history');
    await waitUntil(async () => (await $$('.history-row').length) === 2, async () => `History does not list 2 sales (lists ${await $$('.history-row').length})`);
    const rows = await browser.execute(() => [...document.querySelectorAll('.history-row')].map((r) => ({ id: r.dataset.orderId, status: r.dataset.status, text: r.innerText })));
    for (const r of rows) {
      assert(r.status === 'paid', `history row ${r.id} has data-status "${r.status}"`);
      assert(r.id && r.text.includes(r.id), `history row ${r.id} does not show its order id (text: ${r.text})`);
      assert(r.text.includes('12.34'), `history row ${r.id} does not show 12.34 (text: ${r.text})`);
    }
    assert(rows[0].id !== rows[1].id, 'both history rows carry the same order id');
    await shot('history');
    const wanted = rows[1].id;
    await $('#history-search').setValue(wanted);
    await waitUntil(async () => {
      const ids = await browser.execute(() => [...document.querySelectorAll('.history-row')].map((r) => r.dataset.orderId));
      return ids.length === 1 && ids[0] === wanted;
    }, `searching for ${wanted} did not narrow History to that one sale`);
    await $('#history-search').setValue('NO-SUCH-ORDER');
    await waitUntil(async () => (await $$('.history-row').length) === 0, 'searching for NO-SUCH-ORDER still lists sales');
    await browser.execute(() => {
      const el = document.querySelector('#history-search');
      el.select();
    });
    await browser.keys(['Backspace']);
    await waitUntil(async () => (await $$('.history-row').length) === 2, 'clearing the search did not bring both sales back');

    await $('#export-csv').click();
    await waitUntil(async () => (await exists('#export-result')) && (await text('#export-result')).length > 0, '#export-result stayed empty after #export-csv');
    const where = await text('#export-result');
    const csvs = fs.readdirSync(exportDir).filter((f) => f.endsWith('.csv'));
    assert(csvs.length === 1, `PAYDESK_EXPORT_DIR holds ${csvs.length} CSV files: ${csvs.join(', ')}`);
    const file = path.join(exportDir, csvs[0]);
    assert(where.includes(file) || where.includes(csvs[0]), `#export-result says "${where}", which does not name ${file}`);
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    assert(lines.length === 3, `the CSV has ${lines.length - 1} data rows, expected 2:\n${lines.join('\n')}`);
    for (const r of rows) assert(lines.some((l) => l.includes(r.id) && l.includes('12.34') && l.includes('paid')), `no CSV row for ${r.id} with 12.34 and paid`);
  });

  // ---- (e) the secret stays secret
  await scenario('(e) the secret typed in Settings is in neither the page, the app log, nor the ledger dir', async () => {
    assert(savedSource !== null, 'no page source was taken after saving the credentials (c1 failed)');
    assert(!savedSource.includes(SECRET), 'the page source after saving the credentials contains the secret');
    await samePage();
    const now = await browser.getPageSource();
    assert(!now.includes(SECRET), 'the page source now contains the secret');
    const logText = fs.readFileSync(appLog);
    assert(logText.indexOf(SECRET) === -1, `the app's stdout/stderr log (${appLog}) contains the secret`);
    const files = filesUnder(dataDir);
    assert(files.length > 0, `the ledger dir ${dataDir} is empty`);
    for (const f of files) assert(fs.readFileSync(f).indexOf(SECRET) === -1, `${f} contains the secret`);
    for (const f of filesUnder(exportDir)) assert(fs.readFileSync(f).indexOf(SECRET) === -1, `${f} contains the secret`);
  });

  // ---- leave the throwaway keyring clean
  await scenario('Settings: Delete credentials clears dex3', async () => {
    await goTo('settings');
    await choose('#settings-gateway', 'dex3');
    await $('#delete-credentials').click();
    for (const field of Object.keys(dex3.fields)) {
      await waitUntil(async () => /not set/i.test(await text(`[data-field-state="${field}"]`)), async () => `[data-field-state="${field}"] still says "${await text(`[data-field-state="${field}"]`)}" after #delete-credentials`);
    }
  });

  clearTimeout(hardTimer);
  await finish();
}

main().catch((e) => {
  // A programming error deserves its stack; a failed start-up step only its message.
  const bug = e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError;
  finish({ name: 'harness', message: (bug ? e.stack : e && e.message) || String(e) });
});
