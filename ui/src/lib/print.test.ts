import { describe, expect, test } from 'vitest';
import type { PrintJobView } from '../bindings/PrintJobView';
import { KEEP_DONE_JOBS, PrintJobs } from './print.svelte';

const job = (id: number, state: PrintJobView['state']): PrintJobView => ({
  id,
  kind: 'receipt',
  order_id: `order-${id}`,
  state,
  attempts: 1,
  error: state === 'failed' ? 'out of paper' : null,
});

describe('print jobs (issue 18: a till that runs all day)', () => {
  test('finished jobs are kept up to a bound, the oldest dropped first; jobs under way are never dropped', () => {
    const print = new PrintJobs();
    print.changed(job(1, 'printing')); // stuck under way, older than everything
    const sales = KEEP_DONE_JOBS * 3;
    for (let id = 2; id <= sales + 1; id++) {
      print.changed(job(id, 'queued'));
      print.changed(job(id, 'printed'));
    }
    const ids = Object.keys(print.jobs).map(Number);
    expect(ids.length).toBe(KEEP_DONE_JOBS + 1);
    expect(print.job(1)?.state).toBe('printing');
    expect(print.job(sales + 1)?.state).toBe('printed');
    expect(print.job(sales + 1 - KEEP_DONE_JOBS)).toBeNull();
    expect(print.job(sales + 2 - KEEP_DONE_JOBS)?.state).toBe('printed');
  });

  test('a failed receipt keeps its notice after its job is dropped from the by-id list', () => {
    const print = new PrintJobs();
    print.changed(job(1, 'failed'));
    for (let id = 2; id <= KEEP_DONE_JOBS + 2; id++) print.changed(job(id, 'printed'));
    expect(print.job(1)).toBeNull();
    expect(print.troubles.map((j) => j.order_id)).toEqual(['order-1']);
  });
});
