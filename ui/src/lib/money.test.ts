import { describe, expect, test } from 'vitest';
import { fromMinor, sum, tipMinor, toMinor } from './money';

describe('exact sums', () => {
  test('decimal fractions add up exactly, where JS numbers would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the trap this module exists to avoid
    expect(sum(['0.10', '0.20'], 2)).toBe('0.30');
    expect(sum(['19.99', '0.01'], 2)).toBe('20.00');
    expect(sum(['0.1', '0.2'], 2)).toBe('0.30');
  });

  test('the currency decimals decide the scale: JPY has none, KWD three', () => {
    expect(sum(['100', '250'], 0)).toBe('350');
    expect(sum(['1.250', '0.755', '0.005'], 3)).toBe('2.010');
    expect(sum(['0.001', '0.009'], 3)).toBe('0.010');
  });

  test('large totals stay exact past what a double holds', () => {
    const parts = Array.from({ length: 3 }, () => '9999999.99');
    expect(sum(parts, 2)).toBe('29999999.97');
    expect(sum(['90071992547409.93', '0.01'], 2)).toBe('90071992547409.94');
  });

  test('a typed entry that ends in the mark counts as whole units', () => {
    expect(toMinor('12.', 2)).toBe(1200n);
    expect(toMinor('.5', 2)).toBe(50n);
    expect(sum(['3.50', '12.'], 2)).toBe('15.50');
  });

  test('text that is not an amount in the currency gives no sum', () => {
    expect(toMinor('1.234', 2)).toBeNull();
    expect(toMinor('1.5', 0)).toBeNull();
    expect(toMinor('', 2)).toBeNull();
    expect(toMinor('.', 2)).toBeNull();
    expect(toMinor('1,50', 2)).toBeNull();
    expect(toMinor('-1', 2)).toBeNull();
    expect(sum(['1.00', 'x'], 2)).toBeNull();
  });

  test('minor units print with leading zeros and the currency decimals', () => {
    expect(fromMinor(5n, 2)).toBe('0.05');
    expect(fromMinor(0n, 3)).toBe('0.000');
    expect(fromMinor(350n, 0)).toBe('350');
    expect(sum([], 2)).toBe('0.00');
  });
});

describe('tips', () => {
  /** The tip and the total with it, as text, for an amount typed in a currency with `decimals`. */
  function withTip(amount: string, percent: number, decimals: number) {
    const minor = toMinor(amount, decimals)!;
    const tip = tipMinor(minor, percent);
    return [fromMinor(tip, decimals), fromMinor(minor + tip, decimals)];
  }

  test('a percentage of the amount, exact in minor units', () => {
    expect(withTip('18.50', 10, 2)).toEqual(['1.85', '20.35']);
    expect(withTip('10.00', 15, 2)).toEqual(['1.50', '11.50']);
    expect(withTip('19.99', 20, 2)).toEqual(['4.00', '23.99']); // 3.998 rounds up
    expect(withTip('12.34', 0, 2)).toEqual(['0.00', '12.34']);
  });

  test('half a minor unit rounds up, less rounds down', () => {
    expect(withTip('0.05', 10, 2)).toEqual(['0.01', '0.06']); // 0.005
    expect(withTip('0.04', 10, 2)).toEqual(['0.00', '0.04']); // 0.004
    expect(withTip('0.30', 15, 2)).toEqual(['0.05', '0.35']); // 0.045
    expect(withTip('0.10', 15, 2)).toEqual(['0.02', '0.12']); // 0.015
    expect(withTip('0.03', 15, 2)).toEqual(['0.00', '0.03']); // 0.0045
  });

  test('JPY has no decimals: the tip is whole yen', () => {
    expect(withTip('1050', 15, 0)).toEqual(['158', '1208']); // 157.5
    expect(withTip('5', 10, 0)).toEqual(['1', '6']); // 0.5
    expect(withTip('4', 10, 0)).toEqual(['0', '4']);
  });

  test('KWD has three decimals: the tip is in fils', () => {
    expect(withTip('1.234', 15, 3)).toEqual(['0.185', '1.419']); // 0.1851
    expect(withTip('0.005', 10, 3)).toEqual(['0.001', '0.006']); // 0.0005
    expect(withTip('2.000', 12, 3)).toEqual(['0.240', '2.240']);
  });

  test('exact past what a double holds, up to the largest preset', () => {
    expect(withTip('90071992547409.93', 15, 2)).toEqual(['13510798882111.49', '103582791429521.42']);
    expect(withTip('999999999.99', 255, 2)).toEqual(['2549999999.97', '3549999999.96']);
    expect(tipMinor(1n, 100)).toBe(1n);
  });
});
