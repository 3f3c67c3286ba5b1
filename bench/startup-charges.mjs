// Drives STARTUP_CHARGES (default 100) sales of 1.00 USD on the Demo gateway through the real app
// window (WebKitWebDriver, as e2e/app.test.mjs does) and has `bench/startup --memory PID` measure
// the app and its WebKit children idle before the first charge and after the last. bench/startup
// runs this under its Xvfb server and throwaway keyring. Prints lines bench/startup reads:
//   memory-before APP WEB NETWORK TOTAL COUNT SOURCE   (KiB)
//   memory-at N APP WEB NETWORK TOTAL COUNT SOURCE     after every STARTUP_EVERY (10) charges, or
//                                                    after each of STARTUP_AT (a list): the curve
//   probe-at N dom=… listeners=… intervals=… timeouts=… callbacks=…   what the page holds then
//   charges N SECONDS
//   memory-after  APP WEB NETWORK TOTAL COUNT SOURCE
//   cpu-before / cpu-after APP WEB NETWORK   (CPU seconds used so far: what drawing costs)
// A straight memory-at curve is something kept per sale; one that flattens is a cache filling.
// STARTUP_SETTLE=S also measures S seconds after the last charge (memory-settled: idle GC ran);
// STARTUP_RELOAD=1 then reloads the page and measures again (memory-reloaded: what the page's own
// heap held, as a reload drops it); STARTUP_CSS=RULES adds a style sheet to the page first (to test
// what a style costs without rebuilding). The probe counts live listeners and timers added after start
// (wrapped once the keypad is ready), DOM elements, and Tauri's IPC callbacks.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// webdriverio is installed for the e2e test (`cd e2e && npm ci`); use that copy.
const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { remote } = await import(require.resolve('webdriverio'));

const APP = path.resolve(process.env.PAYDESK_APP ?? '');
const CHARGES = Number(process.env.STARTUP_CHARGES || 100);
const EVERY = Number(process.env.STARTUP_EVERY || 10);
// STARTUP_AT=10,100 measures after exactly those charges instead of every STARTUP_EVERY.
const AT = process.env.STARTUP_AT ? new Set(process.env.STARTUP_AT.split(',').map(Number)) : null;
const SETTLE_S = Number(process.env.STARTUP_SETTLE || 0);
const RELOAD = process.env.STARTUP_RELOAD === '1';
const WAIT_MS = 20_000;
const STARTUP = new URL('./startup', import.meta.url).pathname;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paydesk-charges-'));
const service = `dev.paydesk.bench.charges.${process.pid}`;
let driver = null;
let browser = null;
let pid = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => (sock.destroy(), resolve(true)));
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`WebKitWebDriver did not listen on ${port} within 15 s`);
}

/** The app this run launched: the process whose environment holds our keyring service name. */
function appPid() {
  const exe = fs.realpathSync(APP);
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (fs.realpathSync(`/proc/${entry}/exe`) !== exe) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`PAYDESK_KEYRING_SERVICE=${service}`)) return Number(entry);
    } catch {
      // The process ended while being read, or is not ours to read.
    }
  }
  throw new Error('the app process launched by WebKitWebDriver was not found');
}

/** CPU seconds (user + system) the app and its WebKit children have used: "app web network". */
function cpu(root) {
  const procs = [];
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(entry), ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // Gone while being read.
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) (tree.add(p.pid), (grew = true));
  }
  const sum = { app: 0, web: 0, network: 0 };
  for (const p of procs.filter((p) => tree.has(p.pid))) {
    sum[p.comm.startsWith('WebKitWebProces') ? 'web' : p.comm.startsWith('WebKitNetworkPr') ? 'network' : 'app'] += p.ticks;
  }
  const hz = 100; // USER_HZ on Linux
  return `${(sum.app / hz).toFixed(1)} ${(sum.web / hz).toFixed(1)} ${(sum.network / hz).toFixed(1)}`;
}

const memory = (pid) => execFileSync('bash', [STARTUP, '--memory', String(pid)], { encoding: 'utf8' }).trim();

async function main() {
  const port = await freePort();
  const env = { ...process.env, TAURI_WEBVIEW_AUTOMATION: 'true', NO_AT_BRIDGE: '1' };
  Object.assign(env, { PAYDESK_DATA_DIR: path.join(tmp, 'data'), PAYDESK_KEYRING_SERVICE: service });
  fs.mkdirSync(env.PAYDESK_DATA_DIR);
  const log = fs.openSync(path.join(tmp, 'app.log'), 'a');
  driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=local'], { env, stdio: ['ignore', log, log], detached: true });
  await waitForPort(port);
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    // No browserName: WebKitWebDriver would refuse to match it.
    capabilities: { 'webkitgtk:browserOptions': { binary: APP, args: [] } },
  });
  await browser.waitUntil(() => browser.execute(() => document.documentElement.dataset.ready === 'true'), {
    timeout: WAIT_MS,
    timeoutMsg: 'the keypad did not become interactive',
  });
  const gateway = await browser.$('#gateway').getValue();
  if (gateway !== 'demo') throw new Error(`a fresh till starts on ${gateway}, not demo`);
  pid = appPid();
  // Idle as in bench/startup: two seconds after ready.
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`memory-before ${memory(pid)}`);
  console.log(`cpu-before ${cpu(pid)}`);
  await browser.execute(installProbe);
  // A hypothesis test without a rebuild: STARTUP_CSS is added to the page before the first charge.
  if (process.env.STARTUP_CSS) {
    await browser.execute((css) => document.head.append(Object.assign(document.createElement('style'), { textContent: css })), process.env.STARTUP_CSS);
  }
  console.log(`probe-at 0 ${await browser.execute(readProbe)}`);

  const started = Date.now();
  for (let i = 1; i <= CHARGES; i++) {
    await browser.$('button[data-key="clear"]').click();
    for (const key of '1.00') await browser.$(`button[data-key="${key}"]`).click();
    const charge = browser.$('#charge');
    await charge.waitForEnabled({ timeout: WAIT_MS, timeoutMsg: `sale ${i}: Charge stayed disabled` });
    await charge.click();
    const amount = browser.$('#invoice-amount');
    await amount.waitForExist({ timeout: WAIT_MS, timeoutMsg: `sale ${i}: no invoice (${await errorText()})` });
    const shown = (await amount.getText()).trim();
    if (shown !== '1.00 USD') throw new Error(`sale ${i}: the invoice shows ${shown}`);
    // Paid on the Demo gateway's pay page, as a customer would: New sale shows once it is paid.
    const link = browser.$('#pay-link');
    await browser.waitUntil(async () => (await link.getText()).startsWith('http'), { timeout: WAIT_MS, timeoutMsg: `sale ${i}: no pay link` });
    const paid = await fetch(`${(await link.getText()).trim()}/pay`, { method: 'POST', redirect: 'manual' });
    if (paid.status !== 303) throw new Error(`sale ${i}: paying answered ${paid.status}`);
    const next = browser.$('#new-sale');
    await next.waitForExist({ timeout: WAIT_MS, timeoutMsg: `sale ${i}: not paid (${await errorText()})` });
    await next.click();
    await browser.$('#screen-charge').waitForExist({ timeout: WAIT_MS, timeoutMsg: `sale ${i}: New sale did not return` });
    if ((AT ? AT.has(i) : i % EVERY === 0) && i < CHARGES) {
      console.log(`memory-at ${i} ${memory(pid)}`);
      console.log(`probe-at ${i} ${await browser.execute(readProbe)}`);
    }
  }
  console.log(`charges ${CHARGES} ${((Date.now() - started) / 1000).toFixed(1)}`);
  console.log(`memory-after ${memory(pid)}`);
  console.log(`cpu-after ${cpu(pid)}`);
  console.log(`probe-at ${CHARGES} ${await browser.execute(readProbe)}`);
  if (SETTLE_S > 0) {
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    console.log(`memory-settled ${memory(pid)}`);
  }
  if (RELOAD) {
    await browser.execute(() => location.reload());
    await browser.waitUntil(() => browser.execute(() => document.documentElement.dataset.ready === 'true'), {
      timeout: WAIT_MS,
      timeoutMsg: 'the keypad did not come back after a reload',
    });
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`memory-reloaded ${memory(pid)}`);
  }
}

/** Runs in the page: counts listeners and timers added from now on, net of those removed. It holds
 *  what it counts weakly: a strong reference to a listener's element would keep that element's
 *  whole dropped screen alive, which is the very growth it looks for. */
function installProbe() {
  const live = new Set();
  const capture = (options) => (typeof options === 'boolean' ? options : Boolean(options?.capture));
  const find = (target, type, fn, options) =>
    [...live].find((l) => l.target.deref() === target && l.type === type && l.fn.deref() === fn && l.capture === capture(options));
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, fn, options) {
    if (fn && !find(this, type, fn, options)) live.add({ target: new WeakRef(this), type, fn: new WeakRef(fn), capture: capture(options) });
    return add.call(this, type, fn, options);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, options) {
    const l = fn && find(this, type, fn, options);
    if (l) live.delete(l);
    return remove.call(this, type, fn, options);
  };
  const intervals = new Set();
  const timeouts = new Set();
  const [si, ci, st, ct] = [setInterval, clearInterval, setTimeout, clearTimeout];
  window.setInterval = (...a) => {
    const id = si(...a);
    intervals.add(id);
    return id;
  };
  window.clearInterval = (id) => (intervals.delete(id), ci(id));
  window.setTimeout = (fn, ms, ...rest) => {
    const id = st((...a) => (timeouts.delete(id), typeof fn === 'function' ? fn(...a) : undefined), ms, ...rest);
    timeouts.add(id);
    return id;
  };
  window.clearTimeout = (id) => (timeouts.delete(id), ct(id));
  window.__paydeskProbe = { live, intervals, timeouts };
}

/** Runs in the page: what installProbe counted, and what the page holds. */
function readProbe() {
  const p = window.__paydeskProbe;
  const callbacks = window.__TAURI_INTERNALS__?.callbacks?.size ?? -1;
  const dom = document.getElementsByTagName('*').length;
  const svg = document.querySelectorAll('svg *').length;
  // Listeners on elements no longer in the page go with them; those on window, document or a
  // connected element are what stays.
  // Entries whose element was collected are gone for good.
  for (const l of p.live) if (!l.target.deref()) p.live.delete(l);
  const kept = [...p.live]
    .map((l) => [l.target.deref(), l.type])
    .filter(([target]) => !(target instanceof Node) || target.isConnected || target === document);
  const where = {};
  for (const [target, type] of kept) {
    const name = `${target === window ? 'window' : target === document ? 'document' : target.constructor.name}:${type}`;
    where[name] = (where[name] ?? 0) + 1;
  }
  const top = Object.entries(where).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k}=${v}`).join(',');
  return `dom=${dom} svg-nodes=${svg} listeners=${p.live.size} attached=${kept.length} [${top}] intervals=${p.intervals.size} timeouts=${p.timeouts.size} callbacks=${callbacks}`;
}

async function errorText() {
  const error = browser.$('#charge-error');
  return (await error.isExisting()) ? await error.getText() : 'no error shown';
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`startup-charges: ${e.message}; app log in ${tmp}/app.log`);
} finally {
  await browser?.deleteSession().catch(() => {});
  for (const group of [pid, -driver?.pid]) {
    try {
      if (group) process.kill(group, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  if (!failed) fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
