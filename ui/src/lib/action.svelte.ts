// One backend call at a time from a form or a button, with its refusal kept for it to show.
import type { ErrorReply } from '../bindings/ErrorReply';
import * as api from './api';

export class Action {
  busy = $state(false);
  error = $state<ErrorReply | null>(null);

  /** Runs `call` unless one is running already (a double click or a repeated Enter sends once).
   *  True when it went through; on a refusal `error` holds it. */
  async run(call: () => Promise<void>): Promise<boolean> {
    if (this.busy) return false;
    // Set before the first await: a second submit meanwhile stops at the line above.
    this.busy = true;
    this.error = null;
    try {
      await call();
      return true;
    } catch (e) {
      this.error = api.toApiError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
