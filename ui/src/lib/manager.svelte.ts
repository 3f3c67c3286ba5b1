// Whether manager-only functions are open, and the one PIN request on screen. The backend decides
// (it locks again on its own after the idle minutes); this mirrors its last answer for the UI.
import type { ManagerStatus } from '../bindings/ManagerStatus';
import * as api from './api';
import type { Key } from './i18n.svelte';

export interface PinRequest {
  /** Why the PIN is asked, shown in the dialog. */
  reason: Key;
  done: (unlocked: boolean) => void;
}

export class Manager {
  status: ManagerStatus;
  request: PinRequest | null = $state(null);
  private pending: Promise<boolean> | null = null;

  /** A freshly started app is always locked (the session lives in the backend's memory). */
  constructor(pinSet: boolean) {
    this.status = $state({ pin_set: pinSet, unlocked: !pinSet, locked_out_seconds: 0 });
    api.onManagerPinRequired(() => this.ask('pin.reason_action'));
  }

  /** Whether a PIN is set and the till is locked right now, per the backend. */
  get locked(): boolean {
    return this.status.pin_set && !this.status.unlocked;
  }

  /** Opens the PIN dialog (one at a time: a second caller shares the first request). */
  ask(reason: Key): Promise<boolean> {
    this.status.unlocked = false;
    this.pending ??= new Promise<boolean>((resolve) => {
      this.request = {
        reason,
        done: (unlocked) => {
          this.request = null;
          this.pending = null;
          resolve(unlocked);
        },
      };
    });
    return this.pending;
  }

  /** Asks the backend, which may have locked again after the idle minutes. */
  async refresh() {
    try {
      this.status = await api.managerStatus();
    } catch {
      // Keep the last known state; a guarded command still asks if the backend says so.
    }
  }

  /** True when manager functions are open, asking for the PIN first if they are not. */
  async ensureUnlocked(reason: Key): Promise<boolean> {
    await this.refresh();
    return this.locked ? this.ask(reason) : true;
  }

  /** Checks `pin` with the backend; throws its refusal (wrong, locked out) for the dialog to show. */
  async submit(pin: string) {
    this.status = await api.unlock(pin);
    if (this.status.unlocked) this.request?.done(true);
  }

  cancel() {
    this.request?.done(false);
  }

  async lock() {
    this.status = await api.lock();
  }
}
