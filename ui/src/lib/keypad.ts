// What the keypad lets a cashier type. The value is kept with "." as its decimal mark and shown (and
// sent) with the mark the settings use. This only stops input that can never become a valid amount;
// the backend's `check_amount` has the final word (zero, the per-sale maximum, ...).

/** A key that edits the typed entry. */
export type EntryKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '.' | 'backspace' | 'clear';
/** "+" adds the entry to the running total; the charge screen handles it, since it needs the backend. */
export type Key = EntryKey | '+';

/** The per-sale maximum is 1,000,000, so an eighth whole digit can only make it too large. */
export const MAX_WHOLE_DIGITS = 7;

export function press(value: string, key: EntryKey, decimals: number): string {
  switch (key) {
    case 'clear':
      return '';
    case 'backspace':
      return value.slice(0, -1);
    case '.':
      if (decimals === 0 || value.includes('.')) return value;
      return (value === '' ? '0' : value) + '.';
    default:
      return typeDigit(value, key, decimals);
  }
}

function typeDigit(value: string, digit: string, decimals: number): string {
  const [whole, fraction] = value.split('.');
  if (fraction !== undefined) return fraction.length < decimals ? value + digit : value;
  if (whole === '0') return digit; // "05" is just "5"
  return whole.length < MAX_WHOLE_DIGITS ? value + digit : value;
}

/** The value with the decimal mark the settings use: what the cashier sees and the backend parses. */
export function shown(value: string, decimalComma: boolean): string {
  return decimalComma ? value.replace('.', ',') : value;
}

/** A physical key as a keypad key: both "." and "," type the decimal mark (numpads differ by locale). */
export function keyFromKeyboard(key: string): Key | null {
  if (/^[0-9+]$/.test(key)) return key as Key;
  if (key === '.' || key === ',') return '.';
  if (key === 'Backspace') return 'backspace';
  if (key === 'Escape') return 'clear';
  return null;
}
