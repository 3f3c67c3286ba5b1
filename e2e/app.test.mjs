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
//
// The harness (processes, session, scenario(), summary, cleanup, time limit) is in harness.mjs.

import fs from 'node:fs';
import path from 'node:path';
import { PAID_WAIT_MS, WAIT_MS, createHarness, finish, guard, scenario, sessionWaits, startApp } from './harness.mjs';
import { findAppProcess, freePort, startWindowManager } from './processes.mjs';
import { assert, filesUnder, log, post } from './util.mjs';

async function main(harness) {
  guard(harness);
  const ctx = await startApp(harness);
  const { browser, app: APP, service, dataDir, exportDir, appLog, sim, dex3, secret: SECRET, shotsDir: SHOTS } = ctx;

  // ---- helpers bound to the session
  const { $, $$, exists, text, waitFor, waitGone, waitUntil, samePage, settle } = sessionWaits(browser);
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
    // Nothing on any screen is wider than the window (a sideways scroll hides part of it).
    const overflow = await browser.execute(() => document.scrollingElement.scrollWidth - innerWidth);
    assert(overflow <= 0, `the ${name} screen is ${overflow} px wider than the window`);
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
    for (const id of ['#invoice-gateway', '#invoice-order', '#copy-link', '#open-link', '#countdown', '#status', '#abandon']) {
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
  const started = await scenario(harness, 'app starts with the test environment and signals ready', async () => {
    let found = null;
    await waitUntil(() => (found = findAppProcess(APP, service)) !== null, `no ${APP} process carries PAYDESK_KEYRING_SERVICE=${service}`, 10_000);
    harness.appPid = found.pid;
    assert(found.env.PAYDESK_DATA_DIR === dataDir, `the app's PAYDESK_DATA_DIR is ${found.env.PAYDESK_DATA_DIR}`);
    assert(found.env.PAYDESK_EXPORT_DIR === exportDir, `the app's PAYDESK_EXPORT_DIR is ${found.env.PAYDESK_EXPORT_DIR}`);
    // Its stdout and stderr are the driver's, i.e. the log that (e) searches for the secret.
    for (const fd of [1, 2]) {
      const target = fs.readlinkSync(`/proc/${harness.appPid}/fd/${fd}`);
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
    clearTimeout(harness.hardTimer);
    return finish(harness);
  }

  // ---- (a) a bad amount is refused with a readable message
  await scenario(harness, '(a) bad amount: #amount-error with a readable message, #charge disabled', async () => {
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
  await scenario(harness, '(b) Demo: 12.34 -> invoice with QR and link -> pay -> Paid', async () => {
    const inv = await chargeAndPay('demo', { shots: true, linkPrefix: 'http://127.0.0.1' });
    sales.push(inv);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');
  });

  // ---- (c0) a charge the gateway cannot take yet says why, and charges nothing
  await scenario(harness, '(c0) Dex3 before any credential: #charge-error says what is missing', async () => {
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
  await scenario(harness, '(c1) Settings: dex3 credentials saved to the keyring (write-only fields)', async () => {
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

  await scenario(harness, '(c2) Settings: base URL to the simulator, saved; Test connection answers', async () => {
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

  await scenario(harness, '(c3) Dex3: 12.34 -> invoice on the simulator with QR and link -> pay -> Paid', async () => {
    const inv = await chargeAndPay('dex3', { linkPrefix: `${sim.base}/` });
    sales.push(inv);
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the charge screen after #new-sale');
  });

  // ---- (d) History: both sales, search, CSV export
  await scenario(harness, '(d) History: both sales paid, search by order id, CSV export with 2 rows', async () => {
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
  await scenario(harness, '(e) the secret typed in Settings is in neither the page, the app log, nor the ledger dir', async () => {
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

  // ==== e2e: abandon and the late payment (lead)
  await scenario(harness, '(f) abandon: Next customer frees the keypad; paid later on the simulator -> notice + History "paid late"', async () => {
    await goTo('charge');
    await typeAmount('7.77');
    await choose('#currency', 'USD');
    await choose('#gateway', 'demo');
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 7.77');
    await $('#charge').click();
    await waitFor('#qr svg', 'the QR code of the 7.77 sale');
    const link = await text('#pay-link');
    const order = await text('#invoice-order');
    assert(link.startsWith('http://127.0.0.1') && order.length > 0, `invoice shows link "${link}" and order "${order}"`);
    assert(!(await exists('#new-sale')), 'an open invoice offers #new-sale, which would leave without marking it abandoned');
    await $('#abandon').click();
    await waitFor('#screen-charge', 'the keypad after #abandon');
    assert((await amountShown()) === '', `the keypad after #abandon shows "${await amountShown()}", expected it empty`);
    assert(!(await exists('#late-notices')), 'a late-payment notice showed before anything was paid');

    const code = await post(`${link}/pay`);
    assert(code === 303, `POST ${link}/pay answered ${code}`);
    const notice = `.late-notice[data-order-id="${order}"]`;
    await waitFor(notice, `the late-payment notice for ${order}`, PAID_WAIT_MS);
    const said = await text(notice);
    assert(/paid late/i.test(said) && said.includes('7.77') && said.includes(order), `the notice says "${said}"`);
    assert((await $(notice).getAttribute('role')) === 'alert', 'the late-payment notice is not role=alert');
    assert(await exists('#screen-charge'), 'the late payment pulled the cashier away from the keypad');
    await shot('late-payment', notice);

    await goTo('history');
    const row = `.history-row[data-order-id="${order}"]`;
    await waitFor(row, `History's row for ${order}`);
    await waitUntil(async () => (await $(row).getAttribute('data-status')) === 'paid_late', async () => `History shows ${order} as "${await $(row).getAttribute('data-status')}", expected paid_late`);
    assert(/paid late/i.test(await text(row)), `History's row for ${order} does not say "Paid late" in words: ${await text(row)}`);
    await shot('history-paid-late', row);
    await $(`${notice} .late-dismiss`).click();
    await waitGone(notice, 'the dismissed notice');
  });

  await scenario(harness, '(g) accessibility: keyboard alone charges and abandons; targets >= 48 px; large type; status in words + aria-live', async () => {
    /** Visible controls smaller than a fingertip (48 px) on the current screen. */
    const smallTargets = () =>
      browser.execute(() =>
        [...document.querySelectorAll('button, select, input:not([type=checkbox]):not([type=radio]), a[href]')]
          .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
          .map((el) => ({ el, box: el.getBoundingClientRect() }))
          .filter(({ box }) => box.height < 47.5 || box.width < 47.5)
          .map(({ el, box }) => `${el.tagName.toLowerCase()}#${el.id || '?'}.${el.className} ${Math.round(box.width)}x${Math.round(box.height)}`),
      );
    for (const screen of ['charge', 'history', 'report', 'settings']) {
      await goTo(screen);
      const small = await smallTargets();
      assert(small.length === 0, `on ${screen}, targets under 48 px: ${small.join('; ')}`);
    }
    await goTo('charge');
    const sizes = await browser.execute(() => ({
      body: parseFloat(getComputedStyle(document.body).fontSize),
      amount: parseFloat(getComputedStyle(document.querySelector('#amount')).fontSize),
    }));
    assert(sizes.body >= 16 && sizes.amount >= 32, `type too small: body ${sizes.body}px, amount ${sizes.amount}px`);

    // Keyboard alone: type, charge with Enter, reach Next customer with Tab, press it with Enter.
    await browser.execute(() => document.activeElement?.blur());
    await browser.keys(['Escape', '4', '.', '2', '5']);
    await waitUntil(async () => (await amountShown()) === '4.25', async () => `typing 4.25 on the keyboard shows "${await amountShown()}"`);
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 4.25 typed on the keyboard');
    await browser.keys(['Enter']);
    await waitFor('#screen-invoice', 'the invoice screen after Enter');
    await waitFor('#qr svg', 'the QR code of the keyboard sale');
    const live = await browser.execute(() => [...document.querySelectorAll('[aria-live]')].map((el) => el.textContent.trim()).join(' | '));
    assert(/waiting for payment/i.test(live), `no aria-live region announces the status in words (live regions: "${live}")`);
    const badge = await text('#status');
    assert(badge.length > 2, `#status shows "${badge}": the status must be in words, not colour alone`);
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await browser.keys(['Tab']);
      reached = await browser.execute(() => document.activeElement?.id === 'abandon');
    }
    assert(reached, 'Tab never reached #abandon on the invoice screen');
    await browser.keys(['Enter']);
    await waitFor('#screen-charge', 'the keypad after Enter on #abandon');
  });

  // ==== e2e: cash sales, refunds and the shift report
  /** Exact 2-decimal text ("-12.30") as cents and back: no float touches the money. */
  const cents = (text = '0.00') => {
    const negative = text.startsWith('-');
    const [whole, fraction = ''] = text.replace('-', '').split('.');
    const value = BigInt(whole + fraction.padEnd(2, '0'));
    return negative ? -value : value;
  };
  const centsText = (value) => {
    const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
    return `${value < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  };
  /** The report's per-currency rows as shown: {USD: {received, cash, refunds, net}, ...}. */
  const reportTotals = () =>
    browser.execute(() =>
      Object.fromEntries([...document.querySelectorAll('#report-totals .report-row')].map((r) => [r.dataset.currency, { ...r.dataset }])),
    );
  const openTodayReport = async () => {
    await goTo('report');
    await choose('#report-period', 'today');
    await waitUntil(
      async () => (await exists('#report-totals')) || (await exists('#report-empty')),
      async () => `the report for today showed neither #report-totals nor #report-empty${(await exists('#report-error')) ? `: ${await text('#report-error')}` : ''}`,
    );
  };
  await scenario(harness, '(f) cash sale and refund recorded, then Today\'s report and its CSV add up', async () => {
    await openTodayReport();
    const before = await reportTotals();
    const usdBefore = before.USD ?? {};
    // The paid Dex3 sale is real money; the Demo sales are practice, listed per gateway and in no total.
    const demoUsd = await browser.execute(
      () => document.querySelector('.report-row[data-section="gateway"][data-gateway="demo"][data-currency="USD"]')?.dataset ?? {},
    );
    assert(demoUsd.practice === 'true' && cents(demoUsd.total) >= cents('12.34'), `the report's Demo USD line is ${JSON.stringify(demoUsd)}, expected practice with at least the paid 12.34 Demo sale`);
    const dex3Usd = await browser.execute(
      () => document.querySelector('.report-row[data-section="gateway"][data-gateway="dex3"][data-currency="USD"]')?.dataset.total ?? '0',
    );
    assert(cents(usdBefore.received) === cents(dex3Usd) && cents(dex3Usd) >= cents('12.34'), `the report's USD received is ${usdBefore.received}, expected exactly the Dex3 sales (${dex3Usd}), the Demo ones being practice`);

    // A cash sale, prefilled from the keypad.
    await goTo('charge');
    await choose('#currency', 'EUR');
    await typeAmount('20.50');
    await waitUntil(async () => (await amountShown()) === '20.50', async () => `#amount shows "${await amountShown()}"`);
    await $('#record-cash').click();
    await waitFor('#cash-dialog');
    assert((await $('#cash-amount').getValue()) === '20.50', `#cash-amount holds "${await $('#cash-amount').getValue()}", expected the typed 20.50`);
    assert((await $('#cash-currency').getValue()) === 'EUR', '#cash-currency is not the sale\'s EUR');
    await $('#cash-description').setValue('Walk-in, paid "cash"');
    await $('#cash-save').click();
    await waitFor('#cash-result', '#cash-result after #cash-save');
    await waitGone('#cash-dialog');
    const cashOrder = ((await text('#cash-result')).match(/\S+-CASH-\d{8}-\w+/) || [])[0];
    assert(cashOrder, `#cash-result names no cash order id: "${await text('#cash-result')}"`);
    assert((await amountShown()) === '', 'the keypad was not cleared after the cash sale');
    await choose('#currency', 'USD');

    // A refund of part of a paid 12.34 USD sale, from its History row.
    await goTo('history');
    await waitFor(`.history-row[data-order-id="${cashOrder}"][data-kind="cash"]`, `the cash sale ${cashOrder} in History`);
    assert(/cash/i.test(await text(`.history-row[data-order-id="${cashOrder}"]`)), 'the cash row does not say it is cash');
    const original = await browser.execute(() =>
      [...document.querySelectorAll('.history-row[data-kind="sale"][data-status="paid"]')].map((r) => r.dataset.orderId).find((id) => id),
    );
    assert(original, 'History lists no paid gateway sale to refund');
    await $(`.history-row[data-order-id="${original}"] .refund-row`).click();
    await waitFor('#refund-dialog');
    assert((await $('#refund-original').getValue()) === original, `#refund-original is not ${original}`);
    assert((await $('#refund-amount').getValue()) === '12.34', `#refund-amount holds "${await $('#refund-amount').getValue()}", expected 12.34`);
    await $('#refund-amount').setValue('2.34');
    await $('#refund-reason').setValue('Damaged box');
    await $('#refund-save').click();
    await waitFor('#refund-result', '#refund-result after #refund-save');
    const refundOrder = ((await text('#refund-result')).match(/\S+-REF-\d{8}-\w+/) || [])[0];
    assert(refundOrder, `#refund-result names no refund order id: "${await text('#refund-result')}"`);
    await waitFor(`.history-row[data-order-id="${refundOrder}"][data-kind="refund"]`, `the refund ${refundOrder} in History`);
    assert(/refund/i.test(await text(`.history-row[data-order-id="${refundOrder}"]`)), 'the refund row does not say it is a refund');

    // More than is left of the sale is refused, and nothing is recorded.
    const rowsBefore = await $$('.history-row').length;
    await $(`.history-row[data-order-id="${original}"] .refund-row`).click();
    await waitFor('#refund-dialog');
    await $('#refund-reason').setValue('Again');
    await $('#refund-save').click();
    await waitFor('#refund-error', '#refund-error for a refund over what is left');
    assert((await text('#refund-error')).includes('10.00'), `#refund-error says "${await text('#refund-error')}", expected it to name the 10.00 USD left`);
    await $('#refund-cancel').click();
    await waitGone('#refund-dialog');
    assert((await $$('.history-row').length) === rowsBefore, 'a refused refund still added a row');
    await shot('history-cash-refund');

    // Today's report: the cash sale and the refund are in it, exactly.
    await openTodayReport();
    await waitUntil(async () => (await reportTotals()).EUR !== undefined, 'the report lists no EUR after the EUR cash sale');
    const after = await reportTotals();
    const eurBefore = before.EUR ?? {};
    const want = {
      'EUR cash': centsText(cents(eurBefore.cash) + cents('20.50')),
      'EUR net': centsText(cents(eurBefore.net) + cents('20.50')),
      'USD received': centsText(cents(usdBefore.received)),
      'USD refunds': centsText(cents(usdBefore.refunds) + cents('2.34')),
      'USD net': centsText(cents(usdBefore.net) - cents('2.34')),
    };
    const got = {
      'EUR cash': after.EUR.cash,
      'EUR net': after.EUR.net,
      'USD received': after.USD?.received,
      'USD refunds': after.USD?.refunds,
      'USD net': after.USD?.net,
    };
    assert(JSON.stringify(got) === JSON.stringify(want), `the report shows ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    assert(await exists('.report-row[data-section="gateway"][data-kind="refund"][data-currency="USD"]'), 'no refund line per gateway');
    await shot('report');

    // Its CSV: BOM, CRLF, a header, plain amounts with the currency apart.
    await $('#report-export').click();
    await waitUntil(async () => (await exists('#report-export-result')) && (await text('#report-export-result')).length > 0, '#report-export-result stayed empty after #report-export');
    const where = await text('#report-export-result');
    const reports = fs.readdirSync(exportDir).filter((f) => f.startsWith('paydesk-report-') && f.endsWith('.csv'));
    const named = reports.find((f) => where.includes(f));
    assert(named, `#report-export-result says "${where}", naming none of the report files (${reports.join(', ')})`);
    const bytes = fs.readFileSync(path.join(exportDir, named));
    assert(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'the report CSV does not start with a UTF-8 BOM');
    const csv = bytes.subarray(3).toString('utf8');
    assert(csv.endsWith('\r\n') && !csv.replace(/\r\n/g, '').includes('\n'), 'the report CSV has a line not ended by CRLF');
    const lines = csv.split('\r\n');
    assert(lines[0] === 'period_from_utc,period_to_utc,section,kind,key,name,currency,count,amount', `the report CSV's header is "${lines[0]}"`);
    assert(lines.some((l) => l.includes(',total,cash,cash,,EUR,') && l.endsWith(`,${after.EUR.cash}`)), `no EUR cash line with ${after.EUR.cash} in:\n${csv}`);
    assert(lines.some((l) => l.includes(',total,,net,,USD,,') && l.endsWith(`,${after.USD.net}`)), `no USD net line with ${after.USD.net} in:\n${csv}`);
  });


  // ==== e2e: receipts and the customer display
  await scenario(harness, '(r1) receipts: from History, a paid sale\'s receipt preview; Save as PDF writes it to PAYDESK_EXPORT_DIR', async () => {
    await goTo('history');
    await waitFor('.history-row[data-status="paid"] .receipt-row', 'a Receipt button on a paid sale in History');
    const row = await browser.execute(() => {
      const r = [...document.querySelectorAll('.history-row[data-status="paid"]')].find((el) => el.innerText.includes('12.34'));
      return r ? r.dataset.orderId : null;
    });
    assert(row, 'History lists no paid 12.34 sale to print');
    await $(`.history-row[data-order-id="${row}"] .receipt-row`).click();
    await waitFor('#receipt-preview', '#receipt-preview after the row\'s Receipt button');
    await waitFor('#receipt .receipt-line', 'the receipt\'s lines in #receipt-preview');
    assert(await exists('#screen-history'), 'the Receipt button also opened the sale');
    const lines = await browser.execute(() =>
      [...document.querySelectorAll('#receipt .receipt-line')].map((l) => [l.querySelector('dt').textContent.trim(), l.querySelector('dd').textContent.trim()]),
    );
    const value = (label) => (lines.find(([l]) => l === label) || [])[1];
    const shown = JSON.stringify(lines);
    assert(value('Order') === row, `the receipt's Order line is not ${row}: ${shown}`);
    assert(value('Status') === 'Paid', `the receipt's Status line is not "Paid": ${shown}`);
    assert(value('Amount') === '12.34 USD', `the receipt's Amount line is not "12.34 USD": ${shown}`);
    assert(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(value('Time') || ''), `the receipt's Time line: ${shown}`);
    const shop = (await exists('#receipt-shop')) ? await text('#receipt-shop') : null;
    if (shop !== null) assert(shop.length > 0, '#receipt-shop is empty');
    else log('  note: no shop name is set, so the receipt has no #receipt-shop heading');
    assert(await exists('#receipt-qr svg'), 'the receipt has no QR code of the pay link (#receipt-qr svg)');
    assert(await $('#receipt-print').isEnabled(), '#receipt-print is disabled on a loaded receipt');
    await shot('receipt-preview', '#receipt-preview');

    await $('#receipt-pdf').click();
    await waitUntil(async () => (await exists('#receipt-result')) && (await text('#receipt-result')).length > 0, '#receipt-result stayed empty after #receipt-pdf');
    const name = `receipt-${row}.pdf`;
    const pdfs = fs.readdirSync(exportDir).filter((f) => f.endsWith('.pdf'));
    assert(pdfs.includes(name), `PAYDESK_EXPORT_DIR holds ${pdfs.join(', ') || 'no PDF'}, not ${name}`);
    assert((await text('#receipt-result')).includes(name), `#receipt-result says "${await text('#receipt-result')}", which does not name ${name}`);
    const pdf = fs.readFileSync(path.join(exportDir, name));
    assert(pdf.subarray(0, 5).toString('latin1') === '%PDF-', `${name} does not start with %PDF-`);
    assert(pdf.includes(row), `${name} does not contain the order id ${row}`);
    assert(pdf.subarray(-6).toString('latin1') === '%%EOF\n', `${name} does not end with %%EOF: it is not whole`);
    assert(pdf.indexOf(SECRET) === -1, `${name} contains the secret`);
    log(`  ${name}: ${pdf.length} bytes`);

    await $('#receipt-close').click();
    await waitGone('#receipt-preview', '#receipt-preview after #receipt-close');
  });

  await scenario(harness, '(r2) customer display: a second window shows the amount and QR while an invoice is open, then thanks', async () => {
    await goTo('charge');
    const main = await browser.getWindowHandle();
    await $('#customer-display').click();
    await waitUntil(async () => (await $('#customer-display').getAttribute('aria-pressed')) === 'true', '#customer-display did not report the customer window open');
    await typeAmount('2.5');
    await choose('#currency', 'USD');
    await choose('#gateway', 'demo');
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 2.5');
    await $('#charge').click();
    await waitFor('#qr svg', 'the QR code of the 2.50 sale');
    assert(await $('#print-receipt').isEnabled(), '#print-receipt is missing or disabled on the invoice screen');
    assert(await $('#save-receipt-pdf').isEnabled(), '#save-receipt-pdf is missing or disabled on the invoice screen');
    const link = await text('#pay-link');

    // WebKitWebDriver may or may not list a window the app opened itself.
    let other = null;
    try {
      await browser.waitUntil(async () => (await browser.getWindowHandles()).length > 1, { timeout: 10_000, interval: 200 });
      other = (await browser.getWindowHandles()).find((h) => h !== main) ?? null;
    } catch (e) {
      log(`  note: WebKitWebDriver lists no second window (${e.message.split('\n')[0]}); the customer window is checked through #customer-display only`);
    }
    const inCustomerWindow = async (what) => {
      await browser.switchToWindow(other);
      try {
        await what();
      } finally {
        await browser.switchToWindow(main);
      }
    };
    if (other) {
      await inCustomerWindow(async () => {
        await waitUntil(async () => (await exists('#customer-amount')) && (await text('#customer-amount')).includes('2.50'), async () => `the customer window shows "${(await exists('#customer-screen')) ? await text('#customer-screen') : '(no #customer-screen)'}", expected 2.50`);
        assert(await exists('#customer-qr svg'), 'the customer window shows no QR code while the invoice is open');
        const all = await text('#customer-screen');
        assert(!all.includes(link), 'the customer window shows more than the amount and the code (the link text)');
        // Not shot(): that checks the cashier page's start-up marker, which this window has not.
        await browser.saveScreenshot(path.join(SHOTS, 'customer-display.png'));
      });
    }
    const code = await post(`${link}/pay`);
    assert(code === 303, `POST ${link}/pay answered ${code}`);
    await waitFor('#status[data-status="paid"]', 'the 2.50 sale paid', PAID_WAIT_MS);
    if (other) {
      await inCustomerWindow(() => waitFor('#customer-thanks', 'the thank-you in the customer window'));
    }
    await $('#new-sale').click();
    await waitFor('#screen-charge', 'the keypad after #new-sale');
    if (other) {
      await inCustomerWindow(() => waitFor('#customer-welcome', 'the welcome in the customer window after New sale'));
    }
    await $('#customer-display').click();
    await waitUntil(async () => (await $('#customer-display').getAttribute('aria-pressed')) === 'false', '#customer-display did not report the customer window closed');
    if (other) await waitUntil(async () => (await browser.getWindowHandles()).length === 1, 'the customer window is still listed after closing it');
    await samePage();
  });


  // ==== e2e: languages, tips and sounds
  /** Saves Settings after `edit`, from a freshly opened screen (so an old note cannot pass for this save). */
  const saveSettings = async (edit) => {
    await goTo('charge');
    await goTo('settings');
    await edit();
    await $('#save-settings').click();
    await waitUntil(async () => (await exists('#settings-message')) && (await text('#settings-message')).length > 0, '#settings-message stayed empty after #save-settings');
    assert(!(await exists('#settings-message.error-text')), `saving settings failed: "${await text('#settings-message')}"`);
  };
  const navTexts = () => Promise.all(['charge', 'history', 'settings'].map((s) => text(`#nav-${s}`)));

  await scenario(harness, 'Languages: Spanish from Settings on the nav and keypad, then back to English', async () => {
    try {
      await saveSettings(() => choose('#language', 'es'));
      await waitUntil(async () => (await navTexts()).join() === 'Cobrar,Historial,Ajustes', async () => `the nav says "${(await navTexts()).join(', ')}" after saving Spanish`);
      const lang = await browser.execute(() => document.documentElement.lang);
      assert(lang === 'es', `<html lang> is "${lang}" in Spanish`);
      await goTo('charge');
      const clear = await text('button[data-key="clear"]');
      assert(clear === 'Borrar', `the keypad's clear key says "${clear}" in Spanish`);
      const pad = await $('.keypad').getAttribute('aria-label');
      assert(pad === 'Teclado numérico', `the keypad is labelled "${pad}" in Spanish`);
      await shot('charge-es');
    } finally {
      await saveSettings(() => choose('#language', 'en'));
    }
    await waitUntil(async () => (await navTexts()).join() === 'Charge,History,Settings', async () => `the nav says "${(await navTexts()).join(', ')}" after saving English`);
  });

  await scenario(harness, 'Sounds: Test sound next to #sounds plays without breaking the window', async () => {
    await goTo('settings');
    assert(!(await $('#sounds').isSelected()), '#sounds is on by default');
    await $('#sound-test').click();
    await samePage();
    assert(await exists('#screen-settings'), 'the settings screen went away after #sound-test');
  });

  await scenario(harness, 'Tips: presets "10, 15" -> 10.00 on Demo with the 10% tip is an 11.00 invoice', async () => {
    try {
      await saveSettings(() => $('#tip-presets').setValue('10, 15'));
      await goTo('charge');
      await choose('#currency', 'USD');
      await choose('#gateway', 'demo');
      await typeAmount('10.00');
      await waitFor('#tip-none', '#tip-none once tip presets are set');
      const offered = await browser.execute(() => [...document.querySelectorAll('.tip-option')].map((b) => b.dataset.percent));
      assert(offered.join() === '10,15', `the tip options are ${offered.join(', ')}, expected 10, 15`);
      await $('.tip-option[data-percent="10"]').click();
      await waitUntil(async () => (await exists('#tip-amount')) && (await text('#tip-amount')).includes('1.00'), async () => `#tip-amount shows "${(await exists('#tip-amount')) ? await text('#tip-amount') : '(absent)'}", expected 1.00`);
      assert((await text('#total')).includes('11.00'), `#total shows "${await text('#total')}", expected 11.00`);
      await shot('charge-tip', '#charge');
      await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 10.00 with a tip');
      await $('#charge').click();
      await waitUntil(async () => (await exists('#screen-invoice')) || (await exists('#charge-error')), 'neither the invoice screen nor #charge-error appeared after Charge', 30_000);
      if (await exists('#charge-error')) throw new Error(`the charge failed: #charge-error says "${await text('#charge-error')}"`);
      const inv = await readInvoice();
      assert(inv.amount.includes('11.00'), `#invoice-amount is "${inv.amount}", expected 11.00 (10.00 + 10%)`);
      const meta = await text('#screen-invoice');
      assert(meta.includes('tip 10%'), 'the invoice does not show the "tip 10%" note of its description');
      await waitUntil(async () => (await text('#pay-link')).startsWith('http'), '#pay-link never showed a link');
      const code = await post(`${await text('#pay-link')}/pay`);
      assert(code === 303, `paying the tipped invoice answered ${code}, expected 303`);
      await waitFor('#new-sale', '#new-sale once the tipped invoice is paid', PAID_WAIT_MS);
      await $('#new-sale').click();
      await waitFor('#screen-charge', 'the charge screen after #new-sale');
    } finally {
      // Later scenarios charge without tips.
      await saveSettings(async () => {
        await $('#tip-presets').click();
        await browser.execute(() => document.querySelector('#tip-presets').select());
        await browser.keys(['Backspace']);
      });
    }
    assert((await $('#tip-presets').getValue()) === '', `#tip-presets holds "${await $('#tip-presets').getValue()}" after clearing it`);
    await goTo('charge');
    await typeAmount('5');
    assert(!(await exists('#tip-none')), 'the tip buttons still show after the presets were cleared');
  });


  await scenario(harness, 'Offline: Charge says the gateway cannot be reached and takes the amount as cash instead', async () => {
    const closed = await freePort(); // nothing listens there: every connection is refused
    const demoAt = async (url) =>
      saveSettings(async () => {
        await choose('#settings-gateway', 'demo');
        // WebKitWebDriver refuses an empty setValue: clear by selecting and deleting, as a person would.
        if (url === '') {
          await $('#base-url').click();
          await browser.execute(() => document.querySelector('#base-url').select());
          await browser.keys(['Backspace']);
        } else {
          await $('#base-url').setValue(url);
        }
      });
    try {
      await demoAt(`http://127.0.0.1:${closed}/demo/`);
      await goTo('charge');
      await choose('#currency', 'USD');
      await choose('#gateway', 'demo');
      await typeAmount('3.00');
      await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 3.00');
      await $('#charge').click();
      await waitFor('#offline', '#offline after charging with the gateway unreachable', 60_000);
      const said = await text('#offline');
      assert(/network/i.test(said) && /cash/i.test(said), `#offline says "${said}"`);
      assert(!(await exists('#screen-invoice')), 'an invoice screen showed for a charge that never reached the gateway');
      await shot('offline', '#offline');
      await $('#offline-cash').click();
      await waitFor('#cash-dialog', 'the cash dialog from #offline-cash');
      const prefilled = await $('#cash-amount').getValue();
      assert(prefilled === '3.00', `#cash-amount holds "${prefilled}", expected the typed 3.00`);
      await $('#cash-save').click();
      await waitUntil(async () => (await exists('#cash-result')) && (await text('#cash-result')).includes('3.00'), 'no #cash-result for the 3.00 cash sale');
    } finally {
      await demoAt('');
    }
    assert((await $('#base-url').getValue()) === '', `Demo's base URL is "${await $('#base-url').getValue()}" after clearing it`);
  });

  await scenario(harness, '(u) a lost Dex3 answer: the sale is unknown, no cash is offered, Check asks Dex3, a manager settles it from the dashboard', async () => {
    // Dex3 makes the invoice, then the connection drops before its answer: the customer may pay it.
    const arm = { fault: { kind: 'drop_after_handling' }, gateway: 'dex3', path_contains: 'createpayment', times: 1 };
    const armed = await fetch(`${sim.base}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(arm) });
    assert(armed.status === 204, `the simulator did not arm the fault (HTTP ${armed.status})`);
    await goTo('charge');
    await choose('#gateway', 'dex3');
    await choose('#currency', 'USD');
    await typeAmount('4.56');
    await waitUntil(async () => await $('#charge').isEnabled(), '#charge stayed disabled for 4.56');
    await $('#charge').click();
    await waitFor('#sale-unknown', '#sale-unknown after a create whose answer was lost', 60_000);
    const said = await text('#charge-error');
    assert(/may still pay/.test(said), `#charge-error says "${said}", expected that the customer may still pay`);
    assert(!(await exists('#offline')), 'cash was offered for a sale whose invoice may be live');
    const order = await $('#sale-unknown').getAttribute('data-order-id');
    assert(/^\S+-\d{8}-\w+$/.test(order ?? ''), `#sale-unknown names no order id: "${order}"`);
    // Dex3 refuses the repeat (it has the invoice) and cannot be asked for it: check the dashboard.
    await $('#check-sale').click();
    await waitFor('#check-error', '#check-error after Check this sale');
    const checked = await text('#check-error');
    assert(/dashboard/.test(checked), `#check-error says "${checked}", expected to check the Dex3 dashboard`);
    assert(await exists('#sale-unknown'), 'the unknown-sale warning went away after a refused check');
    await shot('sale-unknown', '#sale-unknown');

    await goTo('history');
    const row = `.history-row[data-order-id="${order}"]`;
    await waitFor(`${row}[data-status="unknown"]`, `${order} as unknown in History`);
    await shot('history-settle', row);
    await $(`${row} .settle-row[data-paid="true"]`).click();
    await waitFor('#settle-dialog', '#settle-dialog from Mark paid');
    await $('#settle-reason').setValue('seen paid on the Dex3 dashboard');
    await $('#settle-save').click();
    await waitGone('#settle-dialog');
    await waitFor(`${row}[data-status="paid"]`, `${order} as paid in History after Mark paid`);
    assert(!(await exists(`${row} .settle-row`)), 'a settled sale still offers Mark paid');
  });

  // ---- leave the throwaway keyring clean
  await scenario(harness, 'Settings: Delete credentials clears dex3', async () => {
    await goTo('settings');
    await choose('#settings-gateway', 'dex3');
    await $('#delete-credentials').click();
    for (const field of Object.keys(dex3.fields)) {
      await waitUntil(async () => /not set/i.test(await text(`[data-field-state="${field}"]`)), async () => `[data-field-state="${field}"] still says "${await text(`[data-field-state="${field}"]`)}" after #delete-credentials`);
    }
  });

  // ==== e2e: manager PIN and kiosk mode (last: it locks Settings)
  await scenario(harness, '(pin) manager PIN: set in Settings, lock, a wrong PIN refused, the right one opens; kiosk left with the PIN; PIN removed', async () => {
    const PIN = '13572468';
    const settingsFile = path.join(dataDir, 'settings.json');
    const dialogOpen = () => exists('#pin-dialog');
    const enterPin = async (pin) => {
      await waitFor('#pin-input', 'the PIN dialog');
      await $('#pin-input').setValue(pin);
      await $('#pin-submit').click();
    };

    await goTo('settings');
    await waitFor('#pin-new', 'the Manager PIN card');
    await $('#pin-new').setValue(PIN);
    await $('#pin-confirm').setValue(PIN);
    await $('#pin-save').click();
    await waitUntil(async () => (await exists('#pin-message')) && /saved/i.test(await text('#pin-message')), async () => `#pin-message after #pin-save says "${(await exists('#pin-message')) ? await text('#pin-message') : '(absent)'}"`);
    const saved = fs.readFileSync(settingsFile, 'utf8');
    assert(!saved.includes(PIN), 'settings.json holds the PIN in clear');
    assert(saved.includes('$argon2id$'), 'settings.json holds no Argon2id hash of the PIN');
    assert((await $('#pin-new').getValue()) === '' && (await $('#pin-confirm').getValue()) === '', 'the PIN inputs still hold the PIN');

    // Locked: Settings ask for the PIN first; a wrong one is refused.
    await waitFor('#lock-now', '#lock-now in the top bar');
    await $('#lock-now').click();
    await waitFor('#screen-charge', 'the keypad after #lock-now');
    await waitGone('#lock-now', '#lock-now once locked');
    await $('#nav-settings').click();
    await waitFor('#pin-dialog', 'the PIN dialog on opening Settings');
    assert(!(await exists('#screen-settings')), 'Settings opened on a locked till');
    assert((await $('#pin-dialog').getAttribute('aria-modal')) === 'true', 'the PIN dialog is not aria-modal');
    assert((await $('#pin-input').getAttribute('type')) === 'password', '#pin-input is not type=password');
    await waitUntil(() => browser.execute(() => document.activeElement?.id === 'pin-input'), 'the PIN dialog did not put focus on #pin-input');
    await enterPin('0000');
    await waitFor('#pin-error', '#pin-error after a wrong PIN');
    log(`  wrong PIN: "${await text('#pin-error')}"`);
    assert(!(await exists('#screen-settings')), 'a wrong PIN opened Settings');
    await shot('pin-dialog', '#pin-dialog');
    await browser.keys(['Escape']);
    await waitUntil(async () => !(await dialogOpen()), 'Esc did not close the PIN dialog');
    assert(!(await exists('#screen-settings')), 'cancelling the PIN opened Settings');
    await $('#nav-settings').click();
    await enterPin(PIN);
    await waitFor('#screen-settings', 'Settings after the right PIN');
    assert(!(await dialogOpen()), 'the PIN dialog stayed open after the right PIN');

    // History on a locked till: today's sales only, and it says so.
    await $('#lock-now').click();
    await waitGone('#lock-now', '#lock-now once locked');
    await goTo('history');
    await waitFor('#history-locked-note', '#history-locked-note on a locked till');
    await $('#history-unlock').click();
    await enterPin(PIN);
    await waitGone('#history-locked-note', '#history-locked-note after unlocking');

    // Kiosk mode: entered in Settings, left with #leave-kiosk and the PIN. Full screen is the window
    // manager's to grant, so one runs for this part (the bare X server has none).
    await startWindowManager(harness);
    const size = () => browser.execute(() => ({ w: innerWidth, h: innerHeight, sw: screen.width, sh: screen.height }));
    const fullScreen = async () => {
      const s = await size();
      return s.w === s.sw && s.h === s.sh;
    };
    assert(!(await fullScreen()), `the window fills the screen before kiosk mode: ${JSON.stringify(await size())}`);
    await goTo('settings');
    if (!(await $('#kiosk').isSelected())) await $('#kiosk').click();
    await $('#save-settings').click();
    await waitFor('#leave-kiosk', '#leave-kiosk after saving kiosk mode');
    assert(/"kiosk": true/.test(fs.readFileSync(settingsFile, 'utf8')), 'settings.json does not say kiosk is on');
    await waitUntil(fullScreen, async () => `kiosk mode did not fill the screen: ${JSON.stringify(await size())}`);
    await shot('kiosk');
    await $('#lock-now').click();
    await waitGone('#lock-now', '#lock-now once locked');
    await $('#leave-kiosk').click();
    await enterPin(PIN);
    await waitGone('#leave-kiosk', '#leave-kiosk after leaving kiosk mode');
    assert(/"kiosk": false/.test(fs.readFileSync(settingsFile, 'utf8')), 'settings.json still says kiosk is on');
    await waitUntil(async () => !(await fullScreen()), async () => `leaving kiosk mode left the window full screen: ${JSON.stringify(await size())}`);

    // Leave the run clean: no PIN.
    await goTo('settings');
    await waitFor('#pin-remove', '#pin-remove');
    await $('#pin-remove').click();
    await waitUntil(async () => (await exists('#pin-message')) && /removed/i.test(await text('#pin-message')), '#pin-message did not say the PIN was removed');
    await waitGone('#lock-now', '#lock-now with no PIN set');
    assert(/"manager_pin_hash": null/.test(fs.readFileSync(settingsFile, 'utf8')), 'settings.json still holds a PIN hash');
    const logText = fs.readFileSync(appLog, 'utf8');
    assert(!logText.includes(PIN), "the app's log contains the PIN");
  });

  clearTimeout(harness.hardTimer);
  await finish(harness);
}

const harness = createHarness();
main(harness).catch((e) => {
  // A programming error deserves its stack; a failed start-up step only its message.
  const bug = e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError;
  finish(harness, { name: 'harness', message: (bug ? e.stack : e && e.message) || String(e) });
});
