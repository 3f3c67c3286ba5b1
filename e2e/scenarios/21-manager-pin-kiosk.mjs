// Manager PIN and kiosk mode. Last: it locks Settings. Removes the PIN at its end.

import fs from 'node:fs';
import path from 'node:path';
import { startWindowManager } from '../processes.mjs';
import { assert, log } from '../util.mjs';

export const name = '(pin) manager PIN: set in Settings, lock, a wrong PIN refused, the right one opens; kiosk left with the PIN; PIN removed';

export async function run(ctx) {
  const { dataDir, appLog, browser } = ctx;
  const { $, exists, text, waitFor, waitGone, waitUntil, shot, goTo } = ctx.ui;
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
  await startWindowManager(ctx.harness);
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
}
