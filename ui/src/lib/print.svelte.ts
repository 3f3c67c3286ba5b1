// The print jobs the window knows of, as the `print-job` events and the print commands' answers
// report them, and the receipts that failed to print (the app-wide notice), until a later job of
// the same sale prints or the cashier dismisses the notice.
import type { PrintJobView } from '../bindings/PrintJobView';
import * as api from './api';

/** Finished jobs kept by id (a till printing a receipt a sale would otherwise keep every job of
 *  the day): a dialog only looks at the job it just queued, long before 100 more have ended. */
export const KEEP_DONE_JOBS = 100;

export class PrintJobs {
  /** By job id: the latest word on each; jobs still under way, and the last KEEP_DONE_JOBS done. */
  jobs: Record<number, PrintJobView> = $state({});
  /** Failed receipt jobs, one per sale, the latest last. */
  troubles: PrintJobView[] = $state([]);

  job(id: number | null): PrintJobView | null {
    return id === null ? null : (this.jobs[id] ?? null);
  }

  /** A `print-job` event: always the newest state of its job. */
  changed(job: PrintJobView) {
    this.jobs[job.id] = job;
    if (jobDone(job)) this.forgetOldDone();
    if (job.kind !== 'receipt' || job.order_id === null) return;
    if (job.state === 'failed') {
      this.troubles = [...this.troubles.filter((j) => j.order_id !== job.order_id), job];
    } else if (job.state === 'printed') {
      this.troubles = this.troubles.filter((j) => j.order_id !== job.order_id);
    }
  }

  /** A command's answer (the job as queued): an event about it may have come first and wins. */
  queued(job: PrintJobView): PrintJobView {
    this.jobs[job.id] ??= job;
    return this.jobs[job.id];
  }

  /** The jobs the queue knew before this window listened (at start-up): their failures show too,
   *  oldest first (ids grow), so a sale's later printed job clears its earlier failure. */
  known(jobs: PrintJobView[]) {
    for (const job of [...jobs].sort((a, b) => a.id - b.id)) if (!(job.id in this.jobs)) this.changed(job);
  }

  /** Drops the oldest finished jobs beyond KEEP_DONE_JOBS (ids grow, so the oldest are the lowest). */
  private forgetOldDone() {
    const done = Object.values(this.jobs).filter(jobDone);
    if (done.length <= KEEP_DONE_JOBS) return;
    done.sort((a, b) => a.id - b.id);
    for (const old of done.slice(0, done.length - KEEP_DONE_JOBS)) delete this.jobs[old.id];
  }

  dismiss(orderId: string) {
    this.troubles = this.troubles.filter((j) => j.order_id !== orderId);
  }

  /** Prints the sale's receipt again; the answer is the new job. */
  async reprint(orderId: string): Promise<PrintJobView> {
    return this.queued(await api.printReceipt(orderId));
  }
}

/** Whether a job has come to an end (printed, or failed for now). */
export const jobDone = (job: PrintJobView | null) => job !== null && (job.state === 'printed' || job.state === 'failed');
