// Sounds: off by default; with them on, a rising chime once when the invoice on screen is paid and a
// low falling tone when it fails or expires. A fake AudioContext records what would be heard.
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, waitFor } from '@testing-library/svelte';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Bootstrap } from '../bindings/Bootstrap';
import type { InvoiceView } from '../bindings/InvoiceView';
import { bootstrapReply, byId, invoiceView, sendInvoiceUpdate, startApp } from '../test/backend';
import { playLatePayment } from './sounds';

/** One oscillator: its wave and the frequencies it was set to or glided to, in order. */
interface Tone {
  type: string;
  frequencies: number[];
  started: boolean;
}

const tones: Tone[] = [];

class FakeAudioContext {
  state = 'running';
  currentTime = 0;
  destination = {};
  createOscillator() {
    const tone: Tone = { type: 'sine', frequencies: [], started: false };
    tones.push(tone);
    return {
      set type(type: string) {
        tone.type = type;
      },
      frequency: {
        setValueAtTime: (hz: number) => tone.frequencies.push(hz),
        exponentialRampToValueAtTime: (hz: number) => tone.frequencies.push(hz),
      },
      connect: <T>(node: T) => node,
      start: () => (tone.started = true),
      stop: () => {},
    };
  }
  createGain() {
    return {
      gain: { setValueAtTime: () => {}, exponentialRampToValueAtTime: () => {} },
      connect: <T>(node: T) => node,
    };
  }
  resume() {
    return Promise.resolve();
  }
}

/** What was heard, as "chime" (two notes, rising) or "low" (one note gliding down), in order. */
function heard(): string[] {
  const out: string[] = [];
  for (let i = 0; i < tones.length; i++) {
    const [a, b] = [tones[i], tones[i + 1]];
    expect(tones[i].started).toBe(true);
    if (a.frequencies.length === 1 && b?.frequencies.length === 1 && b.frequencies[0] > a.frequencies[0]) {
      out.push('chime');
      i++;
    } else if (a.frequencies.length === 2 && a.frequencies[1] < a.frequencies[0] && a.frequencies[0] < 500) {
      out.push('low');
    } else {
      out.push(`unexpected ${JSON.stringify(a)}`);
    }
  }
  return out;
}

beforeAll(() => vi.stubGlobal('AudioContext', FakeAudioContext));
afterAll(() => vi.unstubAllGlobals());
afterEach(() => {
  tones.length = 0;
});

let orders = 0;

/** Starts the app with `settings` and presses Charge for 5, which `charge` answers. */
async function pressCharge(settings: Partial<Bootstrap['settings']>, charge: () => unknown) {
  await startApp({ bootstrap: () => bootstrapReply(settings), charge });
  await fireEvent.click(document.querySelector('button[data-key="5"]')!);
  const button = byId('charge') as HTMLButtonElement;
  await waitFor(() => expect(button.disabled).toBe(false));
  await fireEvent.click(button);
}

/** Starts the app, charges, and returns the invoice on screen (a new order id each time). */
async function invoiceOnScreen(settings: Partial<Bootstrap['settings']>): Promise<InvoiceView> {
  const invoice = invoiceView({ order_id: `PD-SOUND-${++orders}` });
  await pressCharge(settings, () => invoice);
  await waitFor(() => expect(byId('screen-invoice')).not.toBeNull());
  return invoice;
}

async function update(invoice: InvoiceView, status: InvoiceView['status']) {
  await sendInvoiceUpdate({ ...invoice, status, is_final: true });
  await waitFor(() => expect(byId('status')?.dataset.status).toBe(status));
}

describe('sounds', () => {
  test('off (the default): a paid sale makes no sound', async () => {
    const invoice = await invoiceOnScreen({});
    await update(invoice, 'paid');
    expect(heard()).toEqual([]);
    playLatePayment(false);
    expect(heard()).toEqual([]);
  });

  test('on: paid plays the chime once, however often the update repeats', async () => {
    const invoice = await invoiceOnScreen({ sounds: true });
    expect(heard()).toEqual([]); // charging itself is silent
    await update(invoice, 'paid');
    expect(heard()).toEqual(['chime']);
    // The same outcome again (an event and a follow answer crossing); shown, so it was handled.
    await sendInvoiceUpdate({ ...invoice, status: 'paid', is_final: true, description: 'repeated' });
    await waitFor(() => expect(byId('screen-invoice')?.textContent).toContain('repeated'));
    expect(heard()).toEqual(['chime']);
  });

  test('on: failed and expired play the low tone, not the chime', async () => {
    await update(await invoiceOnScreen({ sounds: true }), 'failed');
    expect(heard()).toEqual(['low']);
    cleanup();
    clearMocks();
    tones.length = 0;
    await update(await invoiceOnScreen({ sounds: true }), 'expired');
    expect(heard()).toEqual(['low']);
  });

  test('on: a charge the gateway refuses plays the low tone; off, it is silent', async () => {
    for (const sounds of [true, false]) {
      await pressCharge({ sounds }, () => {
        throw { code: 'gateway_refused', message: 'Demo refused the invoice' };
      });
      await waitFor(() => expect(byId('charge-error')).not.toBeNull());
      expect(heard()).toEqual(sounds ? ['low'] : []);
      cleanup();
      clearMocks();
      tones.length = 0;
    }
  });

  test('a late payment chimes when sounds are on', () => {
    playLatePayment(true);
    expect(heard()).toEqual(['chime']);
  });

  test('Settings: Test sound plays both tones, even before sounds are turned on', async () => {
    await startApp();
    await fireEvent.click(byId('nav-settings')!);
    await waitFor(() => expect(byId('sound-test')).not.toBeNull());
    expect((byId('sounds') as HTMLInputElement).checked).toBe(false);
    await fireEvent.click(byId('sound-test')!);
    expect(heard()).toEqual(['chime', 'low']);
  });
});
