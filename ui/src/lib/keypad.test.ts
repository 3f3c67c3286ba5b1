import { describe, expect, test } from 'vitest';
import { type EntryKey, keyFromKeyboard, MAX_WHOLE_DIGITS, press, shown } from './keypad';

function typeKeys(keys: EntryKey[], decimals = 2, start = ''): string {
  return keys.reduce((value, key) => press(value, key, decimals), start);
}

describe('keypad', () => {
  test('digits append, and a leading zero is replaced', () => {
    expect(typeKeys(['1', '2', '3'])).toBe('123');
    expect(typeKeys(['0', '5'])).toBe('5');
    expect(typeKeys(['0', '0'])).toBe('0');
  });

  test('the decimal mark is typed once, with a 0 before it when nothing was typed', () => {
    expect(typeKeys(['.'])).toBe('0.');
    expect(typeKeys(['1', '.', '5', '.'])).toBe('1.5');
    expect(typeKeys(['0', '.', '0', '5'])).toBe('0.05');
  });

  test('no more decimals than the currency has', () => {
    expect(typeKeys(['1', '.', '2', '3', '4'], 2)).toBe('1.23');
    expect(typeKeys(['1', '.', '2', '3', '4', '5', '6', '7', '8', '9'], 8)).toBe('1.23456789');
    expect(typeKeys(['1', '.', '2'], 0)).toBe('12');
  });

  test('no whole part longer than the per-sale maximum allows', () => {
    const eight = typeKeys(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(eight).toBe('1234567');
    expect(eight).toHaveLength(MAX_WHOLE_DIGITS);
    expect(typeKeys(['.', '5'], 2, eight)).toBe('1234567.5');
  });

  test('backspace removes the last character and clear empties', () => {
    expect(typeKeys(['1', '.', '5', 'backspace'])).toBe('1.');
    expect(typeKeys(['1', '.', 'backspace', 'backspace'])).toBe('');
    expect(typeKeys(['backspace'])).toBe('');
    expect(typeKeys(['1', '2', 'clear'])).toBe('');
  });

  test('the value is shown and sent with the decimal mark of the settings', () => {
    expect(shown('12.34', false)).toBe('12.34');
    expect(shown('12.34', true)).toBe('12,34');
    expect(shown('12', true)).toBe('12');
  });

  test('physical keys: "." and "," both type the mark; "+", Backspace, Escape; others are ignored', () => {
    expect(keyFromKeyboard('7')).toBe('7');
    expect(keyFromKeyboard('+')).toBe('+');
    expect(keyFromKeyboard('-')).toBeNull();
    expect(keyFromKeyboard('.')).toBe('.');
    expect(keyFromKeyboard(',')).toBe('.');
    expect(keyFromKeyboard('Backspace')).toBe('backspace');
    expect(keyFromKeyboard('Escape')).toBe('clear');
    expect(keyFromKeyboard('a')).toBeNull();
    expect(keyFromKeyboard('Enter')).toBeNull();
    expect(keyFromKeyboard('F1')).toBeNull();
  });
});
