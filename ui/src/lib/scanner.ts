// Keyboard-wedge barcode scanners: a scanner "types" its code as a burst of keys a few ms apart,
// ended by Enter. This pure state machine is fed every key with its time and decides, per key,
// whether it is held (it may be the start of a burst), given back as typing, or the end of a scan.
// Time comes in with each key and the timer is injected, so tests drive it with fake timers.

/** A scan has at least this many characters: fewer could be a quick "12⏎" by a person, and
 *  barcodes (EAN-8 and up, the shop's own codes) are longer. */
export const MIN_LENGTH = 4;
/** The most between two characters of a burst, and between its last character and Enter. A
 *  scanner sends a key every few ms (up to ~16 ms on a slow USB poll); a person's keys come
 *  80 ms or more apart, and no one keeps up 30 ms for four keys in a row. */
export const MAX_GAP_MS = 30;
/** The most a key that is not (yet) part of a burst is held back: a person's typing is late by
 *  at most this, never lost or reordered. So a burst must reach MIN_LENGTH characters within
 *  HOLD_MS of its first one (every scanner does, at ≤ 16 ms a key); once it has, it is held
 *  while it keeps coming, since it is not typing. */
export const HOLD_MS = 50;

/** Keys a scanner may send around its characters (Shift for a capital) that change nothing. */
const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock', 'NumLock']);

/** One character of a burst: a single visible character. Space is left out: it presses the
 *  focused button or checkbox, which a replay could not do, and barcodes do not use it. */
export const isScanChar = (key: string) => key.length === 1 && key !== ' ';

/** What the caller does with the key it fed:
 *  - `hold`: nothing yet (prevent its default); it comes back through `release`, in order;
 *  - `pass`: handle it as usual, now (anything held before it was released first);
 *  - `scan`: it ended a scan, already reported through `scan` (prevent its default);
 *  - `swallow`: it is the Enter of a burst too slow to hold whose keys went out as typing:
 *    never let it charge (prevent its default, do nothing). */
export type Verdict = 'hold' | 'pass' | 'scan' | 'swallow';

export interface HeldKey<T> {
  key: string;
  time: number;
  /** What the caller attached (the focused element when it was pressed). */
  data: T;
}

export interface ScannerHooks<T> {
  /** Keys given back as typing, oldest first. */
  release: (keys: HeldKey<T>[]) => void;
  /** A completed scan. */
  scan: (code: string) => void;
  setTimer: (run: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
}

export class Scanner<T = undefined> {
  private held: HeldKey<T>[] = [];
  private timer: unknown = null;
  /** A fast run the hold gave back as typing before it was a burst: followed, so that if it
   *  still ends like a scan its Enter is swallowed rather than charging. */
  private leaked: { count: number; last: number } | null = null;

  constructor(private readonly hooks: ScannerHooks<T>) {}

  /** Feeds one keydown: its `key` and its time in ms (event.timeStamp). */
  feed(key: string, time: number, data: T): Verdict {
    if (MODIFIERS.has(key)) return 'pass';
    const last = this.held.at(-1)?.time ?? this.leaked?.last;
    const fast = last !== undefined && time - last <= MAX_GAP_MS;
    if (!fast) this.flush(); // a pause: whatever was held was typing
    if (isScanChar(key)) {
      if (this.leaked) {
        this.leaked = { count: this.leaked.count + 1, last: time };
        return 'pass';
      }
      this.held.push({ key, time, data });
      this.arm();
      return 'hold';
    }
    if (key === 'Enter' && fast) {
      if (this.held.length >= MIN_LENGTH) {
        const code = this.held.map((k) => k.key).join('');
        this.stop();
        this.held = [];
        this.hooks.scan(code);
        return 'scan';
      }
      if (this.leaked && this.leaked.count >= MIN_LENGTH) {
        this.leaked = null;
        return 'swallow';
      }
    }
    this.flush(); // any other key (Backspace, Esc, Tab, a person's Enter): typing, in order
    return 'pass';
  }

  /** Gives back everything held, now, and forgets the run (a dialog opened, the screen left). */
  flush() {
    this.stop();
    this.leaked = null;
    const keys = this.held;
    this.held = [];
    if (keys.length > 0) this.hooks.release(keys);
  }

  /** Wakes up when the held keys can no longer become a burst (no next key within MAX_GAP_MS),
   *  or, before they are one, when the first of them has waited HOLD_MS. */
  private arm() {
    this.stop();
    const first = this.held[0];
    const last = this.held[this.held.length - 1];
    const capped = this.held.length < MIN_LENGTH && first.time + HOLD_MS - last.time < MAX_GAP_MS;
    const wait = capped ? Math.max(0, first.time + HOLD_MS - last.time) : MAX_GAP_MS;
    this.timer = this.hooks.setTimer(() => {
      this.timer = null;
      const count = this.held.length;
      this.flush();
      if (capped) this.leaked = { count, last: last.time };
    }, wait);
  }

  private stop() {
    if (this.timer !== null) this.hooks.clearTimer(this.timer);
    this.timer = null;
  }
}
