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
// This file is the runner: it starts the app once (harness.mjs) and runs the scenarios below, in
// this order, against it. They share one app, so each one starts where the one before left off;
// what they hand on is in `ctx` (see e2e/README.md).

import { createHarness, finish, guard, scenario, startApp } from './harness.mjs';
import { uiHelpers } from './helpers.mjs';
import { log } from './util.mjs';

import * as appStarts from './scenarios/01-app-starts.mjs';
import * as badAmount from './scenarios/02-bad-amount.mjs';
import * as demoCharge from './scenarios/03-demo-charge.mjs';
import * as dex3NoCredentials from './scenarios/04-dex3-no-credentials.mjs';
import * as dex3Credentials from './scenarios/05-dex3-credentials.mjs';
import * as dex3BaseUrl from './scenarios/06-dex3-base-url.mjs';
import * as dex3Charge from './scenarios/07-dex3-charge.mjs';
import * as history from './scenarios/08-history.mjs';
import * as secretKept from './scenarios/09-secret-kept.mjs';
import * as abandonPaidLate from './scenarios/10-abandon-paid-late.mjs';
import * as accessibility from './scenarios/11-accessibility.mjs';
import * as cashRefundReport from './scenarios/12-cash-refund-report.mjs';
import * as receipt from './scenarios/13-receipt.mjs';
import * as customerDisplay from './scenarios/14-customer-display.mjs';
import * as languages from './scenarios/15-languages.mjs';
import * as sounds from './scenarios/16-sounds.mjs';
import * as tips from './scenarios/17-tips.mjs';
import * as offline from './scenarios/18-offline.mjs';
import * as saleUnknown from './scenarios/19-sale-unknown.mjs';
import * as deleteCredentials from './scenarios/20-delete-credentials.mjs';
import * as managerPinKiosk from './scenarios/21-manager-pin-kiosk.mjs';
import * as itemsTaxTip from './scenarios/22-items-tax-tip.mjs';
import * as receiptPrinter from './scenarios/23-receipt-printer.mjs';

// The first one finds the app and marks its page: if it fails, no other one is run.
const SCENARIOS = [
  appStarts,
  badAmount,
  demoCharge,
  dex3NoCredentials,
  dex3Credentials,
  dex3BaseUrl,
  dex3Charge,
  history,
  secretKept,
  abandonPaidLate,
  accessibility,
  cashRefundReport,
  receipt,
  customerDisplay,
  languages,
  sounds,
  tips,
  offline,
  saleUnknown,
  deleteCredentials,
  managerPinKiosk, // locks Settings, and removes the PIN at its end
  itemsTaxTip,
  receiptPrinter, // a virtual tcp:// printer; puts the printer settings back at its end
];

async function main(harness) {
  guard(harness);
  const ctx = await startApp(harness);
  ctx.ui = uiHelpers(ctx.browser, ctx.shotsDir);
  // What a scenario leaves for later ones.
  ctx.state = {
    sales: [], // the paid sales of (b) and (c3), as chargeAndPay() read them
    savedSource: null, // the page source right after (c1) saved the credentials; (e) searches it
  };

  const [first, ...rest] = SCENARIOS;
  if (!(await scenario(harness, first.name, () => first.run(ctx)))) {
    log('the app is not usable, so the other scenarios were not run');
    clearTimeout(harness.hardTimer);
    return finish(harness);
  }
  for (const s of rest) await scenario(harness, s.name, () => s.run(ctx));

  clearTimeout(harness.hardTimer);
  await finish(harness);
}

const harness = createHarness();
main(harness).catch((e) => {
  // A programming error deserves its stack; a failed start-up step only its message.
  const bug = e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError;
  finish(harness, { name: 'harness', message: (bug ? e.stack : e && e.message) || String(e) });
});
