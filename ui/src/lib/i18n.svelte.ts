// Every UI string comes from one catalog per language, i18n/<lang>.json. The receipt code in Rust
// reads the same files (crates/till/src/receipt/words.rs), so the screen and the printed receipt
// are translated in one place. `en` is the source: its keys are the `Key` type.
import en from './i18n/en.json';
import esCatalog from './i18n/es.json';

export type Key = keyof typeof en;
// Typed as a full record, so a key missing from es.json is a type error, not an English gap.
const es: Record<Key, string> = esCatalog;

export { en };
export const LANGUAGES = { en, es } as const;
export type Language = keyof typeof LANGUAGES;

/** The language on screen; `t` reads it, so every string re-renders when it changes. */
export const locale = $state<{ lang: Language }>({ lang: 'en' });

export function setLanguage(lang: string) {
  locale.lang = lang in LANGUAGES ? (lang as Language) : 'en';
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text: string = LANGUAGES[locale.lang][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
