// Pure rules of the Shop screen and the seller bar: typed numbers to the wire form, a shift's
// over/short as words, a rate's age. Money stays text throughout.

/** What was typed in the shop's style as the backend's wire form: a decimal-comma till's "," is
 *  the decimal mark (the keypad treats it so); anything else is left for the backend to refuse. */
export function toWire(typed: string, decimalComma: boolean): string {
  const text = typed.trim();
  return decimalComma ? text.replace(',', '.') : text;
}

export type Balance = { kind: 'over' | 'short' | 'even'; amount: string };

/** A closed shift's `over_short` ("-2.50": short, "1.50": over, "0.00": even), by its text alone. */
export function balance(overShort: string): Balance {
  const text = overShort.trim();
  if (text.startsWith('-')) return { kind: 'short', amount: text.slice(1) };
  const amount = text.replace(/^\+/, '');
  return { kind: /^[0.,]*$/.test(amount) ? 'even' : 'over', amount };
}

/** Whole hours since `asOf` (Unix seconds), never negative. */
export function ageHours(asOf: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs / 1000 - asOf) / 3600));
}
