// The harness of the e2e run: starting the app (processes.mjs starts each process) and stopping
// every process of the run, the WebDriver session and its waits, scenario() with its PASS/FAIL
// lines, the summary line, cleanup and the hard time limit.
//
// The run's own state (child processes, the session, the results) is the `harness` object that
// createHarness() returns; everything a scenario needs is in the `ctx` that startApp() returns.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { remote } from 'webdriverio';
import { cleanEnv, findAppProcess, freePort, isAlive, startDriver, startSimulator, waitForPort } from './processes.mjs';
import { assert, log, requireExecutable, sleep, withTimeout } from './util.mjs';

const HARD_TIMEOUT_MS = Number(process.env.PAYDESK_E2E_TIMEOUT_MS || 300_000);
export const WAIT_MS = 20_000; // a single UI wait
export const PAID_WAIT_MS = 45_000; // the app polls every 2 s

export function createHarness() {
  return {
    shotsDir: path.resolve(process.env.PAYDESK_E2E_SCREENSHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'paydesk-shots-'))),
    results: [],
    children: [], // {name, proc, group}
    browser: null,
    appPid: null, // set by the first scenario, once it has found the app's process
    appService: null,
    tmpRoot: null,
    finished: false,
    hardTimer: null,
  };
}

async function cleanup(harness) {
  if (harness.browser) {
    const b = harness.browser;
    harness.browser = null;
    await withTimeout(b.deleteSession(), 10_000, 'deleteSession').catch((e) => log(`cleanup: ${e.message}`));
  }
  const { children } = harness;
  if (harness.appPid && isAlive(harness.appPid)) {
    try {
      process.kill(harness.appPid, 'SIGTERM');
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
  if (harness.appPid && isAlive(harness.appPid)) {
    try {
      process.kill(harness.appPid, 'SIGKILL');
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

/** Starts the hard time limit, and makes sure no process of this run outlives it. */
export function guard(harness) {
  harness.hardTimer = setTimeout(() => {
    finish(harness, { name: 'whole run', message: `did not finish within ${HARD_TIMEOUT_MS / 1000} s` });
  }, HARD_TIMEOUT_MS);
  // Whatever happens, no process of this run outlives it.
  process.on('exit', () => {
    const { appPid, appService, children } = harness;
    const pids = children.filter((c) => c.proc.pid && c.proc.exitCode === null && c.proc.signalCode === null).map((c) => (c.group ? -c.proc.pid : c.proc.pid));
    if (appPid && findAppProcess(process.env.PAYDESK_APP, appService)?.pid === appPid) pids.push(appPid);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(harness, { name: 'whole run', message: `stopped by ${sig}` }));
}

// ---------------------------------------------------------------------------------------------
// Results

function summary(harness) {
  const passed = harness.results.filter((r) => r.ok).length;
  const failed = harness.results.length - passed;
  return { passed, failed, line: `e2e: ${passed} passed, ${failed} failed` };
}

/** Stops everything, prints the summary line and exits: 0 only if something passed and nothing failed. */
export async function finish(harness, extraFailure) {
  if (harness.finished) return;
  harness.finished = true;
  if (extraFailure) {
    harness.results.push({ name: extraFailure.name, ok: false });
    log(`FAIL ${extraFailure.name}: ${extraFailure.message}`);
  }
  await withTimeout(cleanup(harness), 20_000, 'cleanup').catch((e) => log(`cleanup: ${e.message}`));
  const { passed, failed, line } = summary(harness);
  const ok = failed === 0 && passed > 0;
  const { tmpRoot } = harness;
  if (tmpRoot) {
    if (ok && !process.env.PAYDESK_E2E_KEEP) fs.rmSync(tmpRoot, { recursive: true, force: true });
    else log(`kept the run's files (logs, ledger, failure screenshots) in ${tmpRoot}`);
  }
  process.stdout.write(`${line}\n`);
  process.exit(ok ? 0 : 1);
}

/** Runs one scenario: one PASS or FAIL line, and a screenshot of the window on a failure. */
export async function scenario(harness, name, fn) {
  if (harness.finished) return false; // the run was stopped (time limit, signal): report nothing more
  const { results } = harness;
  const started = Date.now();
  try {
    await fn();
    if (harness.finished) return false;
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (e) {
    if (harness.finished) return false;
    results.push({ name, ok: false });
    log(`FAIL ${name}: ${(e && e.message) || e}`.split('\n').slice(0, 6).join('\n    '));
    const { browser, tmpRoot } = harness;
    if (browser && tmpRoot) {
      const shot = path.join(tmpRoot, `failed-${results.length}.png`);
      await withTimeout(browser.saveScreenshot(shot), 10_000, 'screenshot')
        .then(() => log(`  the window at the failure: ${shot}`))
        .catch(() => {});
    }
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up and the session

/** Starts the simulator, then the app through WebKitWebDriver, each with this run's throwaway
 *  dirs and keyring service; resolves to the scenarios' `ctx` (its `ui` and `state` are the
 *  runner's to fill). */
export async function startApp(harness) {
  const APP = requireExecutable('PAYDESK_APP');
  const CLI = requireExecutable('PAYDESK_CLI');
  assert(process.env.DISPLAY, 'DISPLAY is not set: run this under xvfb-run (scripts/e2e does)');

  const tmpRoot = (harness.tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'paydesk-e2e-')));
  const dataDir = path.join(tmpRoot, 'data');
  const exportDir = path.join(tmpRoot, 'export');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(exportDir);
  fs.mkdirSync(harness.shotsDir, { recursive: true });
  const service = `dev.paydesk.e2e.${process.pid}.${Date.now()}`;
  harness.appService = service;
  const appLog = path.join(tmpRoot, 'app.log'); // WebKitWebDriver's and the app's stdout+stderr
  const simLog = path.join(tmpRoot, 'simulator.log');

  const sim = await startSimulator(harness, CLI, simLog);
  const dex3 = sim.gateways.dex3;
  assert(dex3 && dex3.fields.merchant_public && dex3.fields.merchant_private, `the simulator listed no dex3 credentials: ${JSON.stringify(sim)}`);
  log(`simulator at ${sim.base}`);

  const port = await freePort();
  const driver = startDriver(
    harness,
    port,
    cleanEnv({
      TAURI_WEBVIEW_AUTOMATION: 'true',
      PAYDESK_DATA_DIR: dataDir,
      PAYDESK_EXPORT_DIR: exportDir,
      PAYDESK_KEYRING_SERVICE: service,
      NO_AT_BRIDGE: '1',
      // Compositing stays on here: without a GPU the app turns it off (less memory, see
      // bench/README.md), but WebKitWebDriver's screenshots then time out under Xvfb. The app
      // itself is driven through 400 sales with it off by bench/startup-charges.mjs.
      WEBKIT_DISABLE_COMPOSITING_MODE: '0',
    }),
    appLog,
  );
  await waitForPort(port, 15_000, driver);

  const browser = (harness.browser = await withTimeout(
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
  ));

  // A click goes where a finger would: the control scrolled to the middle of the window first, so a
  // sticky bar (Settings' save bar, the notices) never sits on top of it.
  for (const command of ['click', 'setValue', 'selectByAttribute']) {
    browser.overwriteCommand(
      command,
      async function (original, ...args) {
        await browser.execute((el) => el.scrollIntoView({ block: 'center' }), this);
        return original(...args);
      },
      true,
    );
  }

  return {
    harness,
    browser,
    app: APP,
    service,
    dataDir,
    exportDir,
    appLog,
    shotsDir: harness.shotsDir,
    sim, // {base, gateways}
    dex3, // sim.gateways.dex3: {baseUrl, fields}
    secret: dex3.fields.merchant_private,
  };
}

/** The session's element look-ups and waits. */
export function sessionWaits(browser) {
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
  return { $, $$, exists, text, waitFor, waitGone, waitUntil, samePage, settle };
}
