// Languages: Spanish from Settings, then back to English for the scenarios after it.

import { assert } from '../util.mjs';

export const name = 'Languages: Spanish from Settings on the nav and keypad, then back to English';

export async function run(ctx) {
  const { browser } = ctx;
  const { $, text, waitUntil, shot, goTo, choose, saveSettings, navTexts } = ctx.ui;
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
}
