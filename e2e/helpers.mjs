// UI helpers shared by the scenarios: moving between screens, choosing in a <select>, typing an
// amount, a whole charge paid on the simulator, the shift report, saving Settings. uiHelpers()
// binds them, with the session's waits (harness.mjs), to one session; the runner puts the result
// in ctx.ui.

import path from 'node:path';
import { PAID_WAIT_MS, WAIT_MS, sessionWaits } from './harness.mjs';
import { assert, post } from './util.mjs';

/** Exact 2-decimal text ("-12.30") as cents and back: no float touches the money. */
export function cents(text = '0.00') {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole + fraction.padEnd(2, '0'));
  return negative ? -value : value;
}
export function centsText(value) {
  const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
  return `${value < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** The helpers bound to `browser`; screenshots go to `shotsDir`. */
export function uiHelpers(browser, shotsDir) {
  const waits = sessionWaits(browser);
  const { $, exists, text, waitFor, waitUntil, samePage, settle } = waits;
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
    await browser.saveScreenshot(path.join(shotsDir, `${name}.png`));
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

  // The shift report.
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

  // Settings.
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

  return { ...waits, shot, goTo, choose, typeAmount, amountShown, readInvoice, chargeAndPay, reportTotals, openTodayReport, saveSettings, navTexts };
}
