/// <reference types="vite/client" />
// Every UI string comes from the catalogs: every language translates every English key, the app
// switches language from its settings, and no template hard-codes English text.
import { fireEvent, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { bootstrapReply, byId, startApp } from '../test/backend';
import { LANGUAGES, locale, setLanguage, t } from './i18n.svelte';

afterEach(() => {
  setLanguage('en');
});

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Every catalog file on disk, by language: a file LANGUAGES forgot is still checked. */
const files = Object.fromEntries(
  Object.entries(
    import.meta.glob<Record<string, unknown>>('./i18n/*.json', { import: 'default', eager: true }),
  ).map(([path, catalog]) => [path.replace(/^.*\/|\.json$/g, ''), catalog]),
);

describe('catalogs', () => {
  test('the app offers every catalog file, and only those', () => {
    expect(Object.keys(files).sort()).toEqual(Object.keys(LANGUAGES).sort());
    expect(Object.keys(files)).toContain('en');
    // Settings names each language in itself.
    for (const lang of Object.keys(files)) expect(files.en, lang).toHaveProperty([`settings.language.${lang}`]);
  });

  test('every language has exactly the keys of English, each a text with the same placeholders', () => {
    const en = files.en;
    const keys = Object.keys(en);
    expect(keys.length).toBeGreaterThan(100);
    for (const [lang, catalog] of Object.entries(files)) {
      expect(Object.keys(catalog).filter((key) => !(key in en)), `${lang} has keys English lacks`).toEqual([]);
      for (const key of keys) {
        const text = catalog[key];
        expect(typeof text === 'string' && text.trim(), `${lang} is missing ${key}`).toBeTruthy();
        expect(placeholders(text as string), `${lang} changes the placeholders of ${key}`).toEqual(
          placeholders(en[key] as string),
        );
      }
    }
  });

  test('t fills placeholders and follows the language', async () => {
    expect(t('charge.charge_amount', { amount: '20.35', currency: 'USD' })).toBe('Charge 20.35 USD');
    await setLanguage('es');
    expect(t('charge.charge_amount', { amount: '20,35', currency: 'EUR' })).toBe('Cobrar 20,35 EUR');
    await setLanguage('xx'); // a language Paydesk does not have falls back to English
    expect(t('nav.history')).toBe('History');
    await setLanguage('es');
    await setLanguage('constructor'); // nor is a name every object has a language
    expect(locale.lang).toBe('en');
    expect(t('nav.history')).toBe('History');
  });
});

describe('the app in Spanish', () => {
  const navText = () => ['charge', 'history', 'settings'].map((s) => byId(`nav-${s}`)?.textContent);

  test('the saved language applies at start: nav, keypad and page language', async () => {
    await startApp({ bootstrap: () => bootstrapReply({ language: 'es' }) });
    expect(navText()).toEqual(['Cobrar', 'Historial', 'Ajustes']);
    expect(document.querySelector('.keypad')?.getAttribute('aria-label')).toBe('Teclado numérico');
    expect(document.querySelector('button[data-key="clear"]')?.textContent).toBe('Borrar');
    expect(document.querySelector('button[data-key="+"]')?.getAttribute('aria-label')).toBe('Sumar al total');
    expect(byId('charge')?.textContent?.trim()).toBe('Cobrar');
    expect(document.documentElement.lang).toBe('es');
  });

  test('saving English in Settings switches the whole window back at once', async () => {
    const spanish = bootstrapReply({ language: 'es' });
    await startApp({
      bootstrap: () => spanish,
      save_settings: ({ input }) => ({ ...spanish.settings, ...(input as object) }),
    });
    await fireEvent.click(byId('nav-settings')!);
    await waitFor(() => expect(byId('screen-settings-title')?.textContent).toBe('Ajustes'));
    const language = byId('language') as HTMLSelectElement;
    language.value = 'en';
    await fireEvent.change(language);
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() => expect(byId('settings-message')?.textContent).toBe('Settings saved.'));
    expect(navText()).toEqual(['Charge', 'History', 'Settings']);
    expect(byId('screen-settings-title')?.textContent).toBe('Settings');
    expect(document.documentElement.lang).toBe('en');
  });
});

// ---- no hard-coded English in templates (a heuristic: it looks at text nodes, the attributes a
// person reads, and string literals inside template expressions)

/** Words that are names, not language. */
const ALLOWED = new Set(['Paydesk']);

/** Problems in one Svelte file's markup: English a person would read that does not go through t(). */
function hardCoded(source: string): string[] {
  const markup = source.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const found: string[] = [];
  const literals: string[] = [];
  // Template expressions ({...}, nested braces and strings included) become a blank; their string
  // literals are kept aside.
  let text = '';
  for (let i = 0; i < markup.length; i++) {
    if (markup[i] !== '{') {
      text += markup[i];
      continue;
    }
    let depth = 0;
    for (; i < markup.length; i++) {
      const c = markup[i];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
      else if (c === "'" || c === '"' || c === '`') {
        let end = i + 1;
        while (end < markup.length && markup[end] !== c) end += markup[end] === '\\' ? 2 : 1;
        literals.push(markup.slice(i + 1, end));
        i = end;
      }
    }
    text += ' ';
  }
  const isWords = (s: string) =>
    s
      .split(/[^A-Za-z]+/)
      .filter((w) => w.length >= 2 && /[a-z]/.test(w) && !ALLOWED.has(w))
      .join(' ');
  for (const [, between] of text.matchAll(/>([^<>]+)</g)) if (isWords(between)) found.push(between.trim());
  for (const [, , value] of text.matchAll(/\s(aria-label|title|placeholder|alt)="([^"]*)"/g)) {
    if (isWords(value)) found.push(value);
  }
  // A literal reads as text when it is capitalised ('Retry') or holds a phrase (' (optional)'), as
  // class names and input types ('password', 'text') do not.
  for (const literal of literals) {
    if (/^[A-Z][a-z]|[A-Za-z]{2,}[,.:…]? +[A-Za-z(]|\([a-z]+\)/.test(literal) && isWords(literal)) found.push(literal);
  }
  return found;
}

describe('hard-coded strings', () => {
  test('the check finds English outside t() and passes what goes through it', () => {
    expect(hardCoded('<p>Hello there</p>')).toEqual(['Hello there']);
    expect(hardCoded('<button>Retry</button>')).toEqual(['Retry']);
    expect(hardCoded('<div aria-label="Close the panel"></div>')).toEqual(['Close the panel']);
    expect(hardCoded("<b>{saving ? 'Saving…' : t('x')}</b>")).toEqual(['Saving…']);
    expect(hardCoded("<span>{label}{required ? '' : ' (optional)'}</span>")).toEqual([' (optional)']);
    expect(hardCoded('<p>{`${n} sales today`}</p>')).toEqual(['${n} sales today']);
    const clean = `<script lang="ts">const a = 'Some text';</script>
      <!-- A comment in English -->
      <span class="brand">Paydesk</span>
      <input type={secret ? 'password' : 'text'} placeholder="PD" />
      <p class="muted">{t('history.empty', { n: 3 })} · {row.order_id}</p>
      <button aria-label={t('keypad.backspace')}>⌫</button>
      <style>.a::after { content: 'Not text'; }</style>`;
    expect(hardCoded(clean)).toEqual([]);
  });

  test('no Svelte file of the UI shows English that is not from the catalog', () => {
    const files = import.meta.glob<string>('../**/*.svelte', { query: '?raw', import: 'default', eager: true });
    expect(Object.keys(files).length).toBeGreaterThan(10);
    const problems = Object.entries(files).flatMap(([file, source]) => hardCoded(source).map((s) => `${file}: ${s}`));
    expect(problems).toEqual([]);
  });
});

// Last in this file: a fresh module registry here would give the tests after it a second Svelte.
describe('switching language', () => {
  test('a language shows once its catalog is here, and the later of two switches wins', async () => {
    vi.resetModules(); // a fresh i18n module, whose Spanish catalog has not been fetched yet
    const fresh = await import('./i18n.svelte');
    const spanish = fresh.setLanguage('es');
    expect(fresh.t('nav.history')).toBe('History'); // not before its catalog is here
    await spanish;
    expect(fresh.t('nav.history')).toBe('Historial');
  });

  test('a catalog that cannot be fetched leaves the language as it was, and is no error', async () => {
    vi.resetModules();
    vi.doMock('./i18n/es.json', () => {
      throw new Error('chunk missing');
    });
    try {
      const fresh = await import('./i18n.svelte');
      await expect(fresh.setLanguage('es')).resolves.toBeUndefined();
      expect(fresh.locale.lang).toBe('en');
    } finally {
      vi.doUnmock('./i18n/es.json');
    }
  });

  test('English asked for while Spanish is still being fetched stays', async () => {
    vi.resetModules();
    const fresh = await import('./i18n.svelte');
    const spanish = fresh.setLanguage('es');
    await fresh.setLanguage('en');
    await spanish;
    expect(fresh.locale.lang).toBe('en');
    expect(fresh.t('nav.history')).toBe('History');
  });
});
