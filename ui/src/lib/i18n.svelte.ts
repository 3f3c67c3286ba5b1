// Every UI string comes from one catalog per language: `en` is the source, `es` must translate
// every key (its type says so, so a missing translation fails the type check).
import { en, type Key } from './i18n/en';
import { es } from './i18n/es';

export type { Key };
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
