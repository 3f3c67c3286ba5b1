// Starting the processes of an e2e run (the gateway simulator, WebKitWebDriver, which launches
// the app, and openbox) and finding the app's own. Each started process is recorded in
// `harness.children`, so that the harness's cleanup stops it.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { assert, log, requireExecutable, sleep, withTimeout } from './util.mjs';

/** The environment without any PAYDESK_* variable of the developer's own (they could point a
 *  gateway elsewhere or bring credentials); PAYDESK_TEST_KEYRING is harmless and kept. */
export function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PAYDESK_') && k !== 'PAYDESK_TEST_KEYRING') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs `paydesk <args>` (PAYDESK_CLI) against the app's own data dir: the ledger is shared and
 *  read per call, so what it writes is what the running app sees next. Resolves to its stdout. */
export function runCli(ctx, args, ms = 30_000) {
  const cli = requireExecutable('PAYDESK_CLI');
  return new Promise((resolve, reject) => {
    execFile(cli, args, { env: cleanEnv({ PAYDESK_DATA_DIR: ctx.dataDir }), timeout: ms }, (error, stdout, stderr) => {
      if (error) reject(new Error(`paydesk ${args.join(' ')} failed (${error.code ?? error.signal}): ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
  });
}

export function freePort() {
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

export async function waitForPort(port, ms, proc) {
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

/** `paydesk simulate --port 0`: resolves to {base, gateways: {id: {baseUrl, fields: {name: value}}}}
 *  read from its start-up lines. */
export function startSimulator(harness, cli, logFile) {
  const proc = spawn(cli, ['simulate', '--port', '0'], {
    env: cleanEnv({}),
    stdio: ['ignore', 'pipe', fs.openSync(logFile, 'a')],
  });
  harness.children.push({ name: 'simulator', proc });
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

export function startDriver(harness, port, env, logFile) {
  const fd = fs.openSync(logFile, 'a');
  // The app is launched by the driver and writes its stdout/stderr into the same log.
  const proc = spawn('WebKitWebDriver', [`--port=${port}`, '--host=local'], { env, stdio: ['ignore', fd, fd], detached: true });
  harness.children.push({ name: 'WebKitWebDriver', proc, group: true });
  proc.on('error', (e) => log(`WebKitWebDriver did not start: ${e.message}`));
  return proc;
}

/** Starts openbox on this run's X display and resolves once it is managing windows. */
export async function startWindowManager(harness) {
  const ready = path.join(harness.tmpRoot, 'wm-ready');
  const proc = spawn('openbox', ['--startup', `touch ${ready}`], { stdio: 'ignore', detached: true });
  harness.children.push({ name: 'openbox', proc, group: true });
  const deadline = Date.now() + 15_000;
  while (!fs.existsSync(ready)) {
    assert(proc.exitCode === null, `openbox exited with ${proc.exitCode} (is it installed? scripts/setup installs it)`);
    assert(Date.now() < deadline, 'openbox did not start within 15 s');
    await sleep(50); // polling a file the WM writes once it runs
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The environment of process `pid`, as an object; throws if it is gone or not ours to read. */
function processEnv(pid) {
  const lines = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The first process `matches(pid)` accepts, as `{ pid, env }`, or null. */
function findProcess(matches) {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const pid = Number(entry);
      if (matches(pid)) return { pid, env: processEnv(pid) };
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}

/** The app process started for this run: the one whose environment holds our unique keyring
 *  service name. This also proves the app inherited the driver's environment. */
export function findAppProcess(app, service) {
  return findProcess(
    (pid) => fs.realpathSync(`/proc/${pid}/exe`) === fs.realpathSync(app) && processEnv(pid).PAYDESK_KEYRING_SERVICE === service,
  );
}

/** The environment of the WebKit web process the app at `appPid` started (its child), or null. */
export function webProcessEnv(appPid) {
  const child = findProcess((pid) => {
    // "pid (comm) state ppid …": the name may hold spaces, so split after its last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return comm.startsWith('WebKitWebProces') && ppid === appPid;
  });
  return child?.env ?? null;
}
