// Updates: the notice offers what the backend's check found, only on an idle till; Install answers
// with the version installed and offers a restart; a refused update (a bad signature) says why
// with its code; a till with a sale open is told "not now" and shows nothing.
import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import { byId, callsTo, rejection, startApp } from '../test/backend';

const AVAILABLE = { state: 'available', version: '0.1.1', current_version: '0.1.0', notes: 'Faster receipts' };

describe('update notice', () => {
  test('an update found at start is offered, installed on request, then a restart is offered', async () => {
    const calls = await startApp({ check_update: () => AVAILABLE, install_update: () => '0.1.1' });
    await waitFor(() => expect(byId('update-available')?.dataset.version).toBe('0.1.1'));
    expect(byId('update-available')?.textContent).toContain('0.1.0');
    await fireEvent.click(byId('update-install')!);
    await waitFor(() => expect(byId('update-installed')?.dataset.version).toBe('0.1.1'));
    expect(callsTo(calls, 'install_update')).toHaveLength(1);
    expect(byId('update-restart')).not.toBeNull();
  });

  test('a refused signature is shown with its code and message, and nothing claims to be installed', async () => {
    const refused = 'the update was refused and nothing was installed: its signature does not match this app\'s update key';
    await startApp({
      check_update: () => AVAILABLE,
      install_update: () => {
        throw rejection('update_refused', refused);
      },
    });
    await waitFor(() => expect(byId('update-install')).not.toBeNull());
    await fireEvent.click(byId('update-install')!);
    await waitFor(() => expect(byId('update-error')?.textContent).toBe(refused));
    expect(byId('update-error')?.closest('[data-code]')?.getAttribute('data-code')).toBe('update_refused');
    expect(byId('update-installed')).toBeNull();
  });

  test('nothing is shown when the backend says not now, or when no URL is set, or when the check fails', async () => {
    for (const reply of [
      () => ({ state: 'not_now' }),
      () => ({ state: 'off' }),
      () => {
        throw rejection('update_unavailable', 'no update could be fetched: connection refused');
      },
    ]) {
      const calls = await startApp({ check_update: reply });
      await waitFor(() => expect(callsTo(calls, 'check_update')).toHaveLength(1));
      expect(byId('update-notice')).toBeNull();
      document.body.innerHTML = '';
    }
  });

  test('the offer steps aside while a sale is being rung up', async () => {
    await startApp({ check_update: () => AVAILABLE });
    await waitFor(() => expect(byId('update-available')).not.toBeNull());
    await fireEvent.click(document.querySelector('button[data-key="7"]')!);
    await waitFor(() => expect(byId('update-notice')).toBeNull());
  });
});
