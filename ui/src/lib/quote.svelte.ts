// The till's own quote of the sale on the keypad: what it comes to (lines, tax per rate, tip,
// total, converted amount). The window never sums a sale itself; it shows the backend's answer and
// charges exactly the request that answer was for.
import type { ChargeRequest } from '../bindings/ChargeRequest';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { QuoteView } from '../bindings/QuoteView';
import * as api from './api';
import { fromMinor, tipMinor, toMinor } from './money';

export interface Quoted {
  /** What it was asked for (see `quoteKey`). */
  key: string;
  /** The request as quoted, the tip included: what Charge sends (with the description). */
  request: ChargeRequest;
  view: QuoteView | null;
  error: api.ApiError | null;
}

/** A quote as the cash confirmation takes it: `request` null when the sale could not be quoted at
 *  all (its amount is refused), `error` saying why. */
export interface CashQuote {
  request: ChargeRequest | null;
  view: QuoteView | null;
  error: ErrorReply | null;
}

/** The sale without its tip and a tip preset: what the quote depends on. */
export function quoteKey(base: ChargeRequest, percent: number | null): string {
  return JSON.stringify([base, percent]);
}

export class Quoter {
  /** The latest answer, for whichever key; compare `key` to know whether it is current. */
  result = $state<Quoted | null>(null);
  /** Only the latest question may answer. */
  private latest = 0;

  constructor(private readonly decimals: (currency: string) => number) {}

  /** Quotes `base` (its tip ignored); with a preset, the tip is `percent` of the quote's total
   *  without tip, exact in minor units, and the sale is quoted again with it. */
  async run(base: ChargeRequest, percent: number | null): Promise<Quoted> {
    const ticket = ++this.latest;
    const untipped = { ...base, tip: null };
    let request: ChargeRequest = untipped;
    let result: Quoted;
    try {
      if (percent !== null) {
        const before = await api.quote(untipped);
        const decimals = this.decimals(before.currency);
        const minor = toMinor(before.total, decimals);
        const tip = minor === null ? 0n : tipMinor(minor, percent);
        if (tip > 0n) request = { ...untipped, tip: fromMinor(tip, decimals) };
      }
      result = { key: quoteKey(base, percent), request, view: await api.quote(request), error: null };
    } catch (e) {
      result = { key: quoteKey(base, percent), request, view: null, error: api.toApiError(e) };
    }
    if (ticket === this.latest) this.result = result;
    return result;
  }

  /** Nothing to quote: forget the last answer, and any question still out. */
  clear() {
    this.latest++;
    this.result = null;
  }
}
