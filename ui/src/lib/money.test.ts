import { describe, expect, test } from 'vitest';
import { fromMinor, sum, toMinor } from './money';

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
