// Every UI string comes from one catalog per language, i18n/<lang>.json. The receipt code in Rust
// reads the same files (crates/till/src/receipt/words.rs), so the screen and the printed receipt
// are translated in one place. `en` is the source: its keys are the `Key` type.
import en from './i18n/en.json';

export type Key = keyof typeof en;
type Catalog = Record<Key, string>;

export { en };
/** Every language, and how its catalog is fetched: only English ships in the keypad's script, the
 *  others are fetched when chosen (bench/side-by-side). Typed as full records, so a key missing from
 *  a catalog is a type error, not an English gap. */
export const LANGUAGES = {
  en: async (): Promise<Catalog> => en,
  es: async (): Promise<Catalog> => (await import('./i18n/es.json')).default,
} as const;
export type Language = keyof typeof LANGUAGES;

const catalogs: Partial<Record<Language, Catalog>> = { en };
/** Counts switches, so that of two, the later one wins even when the earlier one's catalog comes last. */
let switches = 0;

/** The language on screen; `t` reads it, so every string re-renders when it changes. */
export const locale = $state<{ lang: Language }>({ lang: 'en' });

/** Whether switching to `lang` happens at once, its catalog being here (or Paydesk lacking it). */
export function languageHere(lang: string): boolean {
  return !Object.hasOwn(LANGUAGES, lang) || Object.hasOwn(catalogs, lang);
}

/** Switches to `lang` (English for one Paydesk lacks): at once when its catalog is here, else once
 *  it is. A catalog that cannot be fetched leaves the language as it was; it never rejects. */
export async function setLanguage(lang: string): Promise<void> {
  // hasOwn, not `in`: a saved "constructor" is not a language.
  const next: Language = Object.hasOwn(LANGUAGES, lang) ? (lang as Language) : 'en';
  const asked = ++switches;
  try {
    catalogs[next] ??= await LANGUAGES[next]();
  } catch {
    return;
  }
  if (asked === switches) locale.lang = next;
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text: string = catalogs[locale.lang]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
