// Who sells at this till: the backend's last `seller` answer, for the top bar and the Shop screen.
// With cashiers set up, a sale needs one signed in and a shift open; without, the till works as
// before and nothing of this shows.
import type { ErrorReply } from '../bindings/ErrorReply';
import type { SellerView } from '../bindings/SellerView';
import * as api from './api';

export class Seller {
  view: SellerView | null = $state(null);
  /** Why the last refresh failed; the bar shows it instead of guessing. */
  error: ErrorReply | null = $state(null);

  /** Asks the backend again (at start, and after anything that may change the answer). */
  async refresh() {
    try {
      this.set(await api.seller());
    } catch (e) {
      this.error = api.toApiError(e);
    }
  }

  set(view: SellerView) {
    this.view = view;
    this.error = null;
  }

  get required(): boolean {
    return this.view?.cashiers_required ?? false;
  }
}
