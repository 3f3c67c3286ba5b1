// Two short tones made with the Web Audio API, no audio files: a rising two-note chime when a sale
// is paid, a low falling tone when it fails or expires. They play only with Settings' sounds on; a
// webview without Web Audio stays silent and the till works as before.
import type { InvoiceStatus } from '../bindings/InvoiceStatus';
import type { InvoiceView } from '../bindings/InvoiceView';

type Outcome = 'paid' | 'failed';

// Paid late has its own notice and sound (playLatePayment); underpaid is not an outcome yet.
const OUTCOMES: Partial<Record<InvoiceStatus, Outcome>> = {
  paid: 'paid',
  overpaid: 'paid',
  failed: 'failed',
  expired: 'failed',
  expired_partial: 'failed',
};

/** "order id + outcome" of every sound played: updates repeat (events and follow answers cross). */
const played = new Set<string>();

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  const Context =
    globalThis.AudioContext ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Context) return null;
  try {
    context ??= new Context();
  } catch {
    return null; // no audio device (a headless machine): silence, never a broken till
  }
  // A context made before any click may start suspended; by a sale's outcome the cashier has clicked.
  if (context.state === 'suspended') context.resume().catch(() => {});
  return context;
}

interface Note {
  /** Hz at the start, and at the end if it glides. */
  from: number;
  to?: number;
  /** Seconds from now. */
  at: number;
  length: number;
  type?: OscillatorType;
}

function note(ctx: AudioContext, { from, to = from, at, length, type = 'sine' }: Note) {
  const start = ctx.currentTime + at;
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = type;
  osc.frequency.setValueAtTime(from, start);
  if (to !== from) osc.frequency.exponentialRampToValueAtTime(to, start + length);
  // A quick fade in and out: a tone that starts or stops at full volume clicks.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.25, start + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + length + 0.02);
}

/** A5 then E6: bright and rising. */
function playPaid(at = 0) {
  const ctx = audio();
  if (!ctx) return;
  note(ctx, { from: 880, at, length: 0.14 });
  note(ctx, { from: 1318.5, at: at + 0.12, length: 0.3 });
}

/** E4 falling an octave: low and unmistakably different from the chime. */
function playFailed(at = 0) {
  const ctx = audio();
  if (!ctx) return;
  note(ctx, { from: 330, to: 165, at, length: 0.5, type: 'triangle' });
}

/** The sound for an update of the invoice on screen: once per invoice and outcome, only if enabled. */
export function playOutcome(invoice: InvoiceView, enabled: boolean) {
  const outcome = OUTCOMES[invoice.status];
  if (!enabled || !outcome) return;
  const key = `${invoice.order_id} ${outcome}`;
  if (played.has(key)) return;
  played.add(key);
  if (outcome === 'paid') playPaid();
  else playFailed();
}

/** A charge the gateway refused or could not take: the failed tone (only if enabled). */
export function playChargeFailed(enabled: boolean) {
  if (enabled) playFailed();
}

/** An abandoned sale was paid after all: the paid chime, so the cashier looks up (only if enabled). */
export function playLatePayment(enabled: boolean) {
  if (enabled) playPaid();
}

/** Settings' "Test sound": both tones, whatever the checkbox says, so the owner hears them first. */
export function playTest() {
  playPaid();
  playFailed(0.7);
}
