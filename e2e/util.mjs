// Plain helpers of the e2e run that hold no state: logging, timeouts, assertions, HTTP and files.
// The run's state (child processes, the session, results) is harness.mjs's `harness` object.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export function log(msg) {
  process.stdout.write(`e2e: ${msg}\n`);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects if `promise` takes longer than `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function requireExecutable(name) {
  const file = process.env[name];
  assert(file, `${name} is not set (the path of the binary to test)`);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new Error(`${name}=${file} is not an executable file`);
  }
  return path.resolve(file);
}

/** POSTs with an empty body, as the simulator's pay page form does; resolves to the status code. */
export function post(url) {
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

export function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

