import { describe, expect, test } from 'vitest';
import { ageHours, balance, toWire } from './shop';

describe('shop rules', () => {
  test('a decimal-comma till sends "." to the backend; a dot till leaves commas to be refused', () => {
    expect(toWire(' 100,50 ', true)).toBe('100.50');
    expect(toWire('100.50', true)).toBe('100.50');
    expect(toWire('7,7', true)).toBe('7.7');
    expect(toWire('1,000', false)).toBe('1,000');
    expect(toWire('', true)).toBe('');
  });

  test('over/short is read from the text', () => {
    expect(balance('-2.00')).toEqual({ kind: 'short', amount: '2.00' });
    expect(balance('1.50')).toEqual({ kind: 'over', amount: '1.50' });
    expect(balance('0.00')).toEqual({ kind: 'even', amount: '0.00' });
    expect(balance('0')).toEqual({ kind: 'even', amount: '0' });
  });

  test('a rate is as old as the whole hours since it was published', () => {
    expect(ageHours(0, 3 * 3600 * 1000 + 59_000)).toBe(3);
    expect(ageHours(100, 0)).toBe(0);
  });
});
