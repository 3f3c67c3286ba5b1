// The scanner's rules on a fake clock: a burst + Enter is a scan, anything else comes back as
// typing, in order, late by at most HOLD_MS unless it is a burst.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { HOLD_MS, MAX_GAP_MS, Scanner, type Verdict } from './scanner';

interface Out {
  key: string;
  /** When it was pressed, and when it came back as typing (or ended a scan). */
  pressed: number;
  at: number;
}

function setup() {
  const typed: Out[] = [];
  const scans: string[] = [];
  const verdicts: Verdict[] = [];
  const scanner = new Scanner<null>({
    release: (keys) => keys.forEach((k) => typed.push({ key: k.key, pressed: k.time, at: Date.now() })),
    scan: (code) => scans.push(code),
    setTimer: (run, ms) => setTimeout(run, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  });
  /** Presses `key` at `time` ms (the clock moves there first, firing due timers); a key the
   *  scanner passes on is typed at once. */
  const press = (time: number, key: string) => {
    vi.advanceTimersByTime(time - Date.now());
    const verdict = scanner.feed(key, time, null);
    verdicts.push(verdict);
    if (verdict === 'pass') typed.push({ key, pressed: time, at: time });
    return verdict;
  };
  /** Presses `keys` `gap` ms apart from `start`; returns the time of the last. */
  const run = (start: number, gap: number, keys: string[]) => {
    keys.forEach((key, i) => press(start + i * gap, key));
    return start + (keys.length - 1) * gap;
  };
  const keys = () => typed.map((o) => o.key).join('');
  return { scanner, typed, scans, verdicts, press, run, keys };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe('the barcode scanner', () => {
  test('a burst ended by Enter is one scan with the code, and nothing is typed', () => {
    const s = setup();
    const last = s.run(0, 4, [...'4006381333931']);
    expect(s.press(last + 3, 'Enter')).toBe('scan');
    vi.advanceTimersByTime(1000);
    expect(s.scans).toEqual(['4006381333931']);
    expect(s.typed).toEqual([]);
    expect(new Set(s.verdicts.slice(0, -1))).toEqual(new Set(['hold']));
  });

  test('a person typing 80 ms apart gets every key back, in order, no scan; their Enter passes', () => {
    const s = setup();
    const last = s.run(0, 80, [...'12.5', 'Backspace', ...'07']);
    expect(s.press(last + 80, 'Enter')).toBe('pass');
    expect(s.keys()).toBe('12.5Backspace07Enter');
    expect(s.scans).toEqual([]);
    // Each character waited only for the gap that shows it is not a burst.
    for (const out of s.typed) expect(out.at - out.pressed).toBeLessThanOrEqual(MAX_GAP_MS);
  });

  test('a quick "12⏎" is too short for a scan: typed, then Enter passes', () => {
    const s = setup();
    s.run(0, 10, ['1', '2']);
    expect(s.press(15, 'Enter')).toBe('pass');
    expect(s.keys()).toBe('12Enter');
    expect(s.scans).toEqual([]);
  });

  test('a burst that stops without Enter comes back as typing once MAX_GAP_MS passes', () => {
    const s = setup();
    const last = s.run(0, 5, [...'CR-123']);
    vi.advanceTimersByTime(MAX_GAP_MS - 1);
    expect(s.typed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.keys()).toBe('CR-123');
    expect(s.typed.every((o) => o.at === last + MAX_GAP_MS)).toBe(true);
    // An Enter afterwards is a person's: it passes (and would charge).
    expect(s.press(last + 200, 'Enter')).toBe('pass');
    expect(s.scans).toEqual([]);
  });

  test('human digits, then a burst: the digits are typed first, the burst is a scan', () => {
    const s = setup();
    s.run(0, 90, ['4', '2']);
    const last = s.run(300, 3, [...'CR-1']);
    expect(s.press(last + 2, 'Enter')).toBe('scan');
    expect(s.keys()).toBe('42');
    expect(s.scans).toEqual(['CR-1']);
    // Then the person goes on typing.
    s.run(last + 200, 100, ['7']);
    vi.advanceTimersByTime(1000);
    expect(s.keys()).toBe('427');
  });

  test('a burst right after a person\'s last key still splits cleanly at the pause', () => {
    const s = setup();
    s.press(0, '9');
    const last = s.run(40, 2, [...'4006381333931']);
    expect(s.press(last + 1, 'Enter')).toBe('scan');
    expect(s.keys()).toBe('9');
    expect(s.scans).toEqual(['4006381333931']);
  });

  test('Shift around a capital changes nothing; Esc in the middle gives the keys back first', () => {
    const s = setup();
    s.run(0, 3, ['Shift', 'C', 'Shift', 'R', '-', '1']);
    expect(s.press(17, 'Enter')).toBe('scan');
    expect(s.scans).toEqual(['CR-1']);
    s.run(100, 3, ['1', '2', '3']);
    expect(s.press(108, 'Escape')).toBe('pass');
    expect(s.keys()).toBe('ShiftShift123Escape');
  });

  test('keys that are not a burst are never held longer than HOLD_MS', () => {
    const s = setup();
    // A person, a quick pair, a fast triple that never becomes a burst, and a run at 20 ms a key
    // that is too slow to reach MIN_LENGTH within the hold.
    s.run(0, 120, [...'123']);
    s.run(500, 25, [...'45']);
    s.run(800, 28, [...'678']);
    s.run(1200, 20, [...'90123456']);
    vi.advanceTimersByTime(1000);
    expect(s.keys()).toBe('12345678' + '90123456');
    expect(s.scans).toEqual([]);
    for (const out of s.typed) expect(out.at - out.pressed).toBeLessThanOrEqual(HOLD_MS);
  });

  test('the Enter of a run too slow to hold is swallowed, never passed on to charge', () => {
    const s = setup();
    const last = s.run(0, 20, [...'40063813']);
    expect(s.verdicts.slice(3)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(s.press(last + 10, 'Enter')).toBe('swallow');
    expect(s.keys()).toBe('40063813');
    expect(s.scans).toEqual([]);
  });

  test('flush gives back what is held at once', () => {
    const s = setup();
    s.run(0, 2, [...'12345']);
    s.scanner.flush();
    expect(s.keys()).toBe('12345');
    expect(s.press(9, 'Enter')).toBe('pass');
  });
});
