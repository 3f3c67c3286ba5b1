// A screen fetched when first shown: it appears with its props once its code is here, and a fetch
// that fails says so instead of leaving the page blank.
import { render, screen } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { expect, test } from 'vitest';
import Lazy from './Lazy.svelte';
import Progress from './Progress.svelte';

// render() cannot infer Lazy's props type as a template does, so it is given the loose one.
const progress = Progress as unknown as Component<Record<string, unknown>>;

test('the component shows, with its props, once its code is here', async () => {
  let fetched = 0;
  const load = async () => (fetched++, { default: progress });
  render(Lazy, { props: { load, props: { id: 'lazy-progress', label: 'Loading the report' } } });
  expect((await screen.findByRole('status')).textContent).toContain('Loading the report');
  expect(document.getElementById('lazy-progress')).not.toBeNull();
  expect(fetched).toBe(1);
});

test('code that cannot be fetched is reported, not a blank page', async () => {
  const load = () => Promise.reject(new Error('chunk missing'));
  render(Lazy, { props: { load, props: { label: 'never shown' } } });
  expect((await screen.findByRole('alert')).textContent).toBe('This screen could not be opened: Error: chunk missing');
  expect(screen.queryByRole('status')).toBeNull();
});
