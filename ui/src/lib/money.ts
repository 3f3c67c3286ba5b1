// Exact sums of amounts for the running total. Amounts are decimal text with "." as the mark (as the
// keypad keeps them and check_amount answers); the arithmetic is in integer minor units (BigInt),
// never JS numbers, so 0.10 + 0.20 is 0.30 and not 0.30000000000000004.

/** "12.34" as minor units (1234n with 2 decimals); "12." is 12. Null for text that is not such an amount. */
export function toMinor(amount: string, decimals: number): bigint | null {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(amount);
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (whole === '' && fraction === '') return null;
  if (fraction.length > decimals) return null;
  return BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}

/** Minor units as the decimal text the backend expects: 2000n with 2 decimals is "20.00". */
export function fromMinor(minor: bigint, decimals: number): string {
  const digits = minor.toString().padStart(decimals + 1, '0');
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** The exact sum of `amounts` in a currency with `decimals`, or null if one of them is not an amount. */
export function sum(amounts: readonly string[], decimals: number): string | null {
  let total = 0n;
  for (const amount of amounts) {
    const minor = toMinor(amount, decimals);
    if (minor === null) return null;
    total += minor;
  }
  return fromMinor(total, decimals);
}

/** `percent` % of `minor` units (both whole, not negative), rounded half up to a whole minor unit:
 *  10 % of 0.05 is 0.01, since 0.005 rounds up. Exact at any size, as BigInt. */
export function tipMinor(minor: bigint, percent: number): bigint {
  return (minor * BigInt(percent) + 50n) / 100n;
}
