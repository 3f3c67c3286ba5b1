// After every test: unmount (which unlistens) before the IPC mock goes away, so no listener of
// one test hears the next test's backend.
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  clearMocks();
});
