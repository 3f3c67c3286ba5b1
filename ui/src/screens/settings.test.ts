import { fireEvent, waitFor } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import type { CredentialField } from '../bindings/CredentialField';
import { bootstrapReply, byId, callsTo, mockBackend, rejection, startApp } from '../test/backend';

const SECRET = 'typed-secret-value-123';
const LEAK = 'value-the-backend-must-never-send';

function dex3Fields(source: string): CredentialField[] {
  // The extra `value` is what a buggy backend might add: the screen must not show it either.
  return [
    { name: 'merchant_public', label: 'Merchant public key', secret: false, required: true, source: 'env' },
    { name: 'merchant_private', label: 'Merchant private key', secret: true, required: true, source, value: LEAK },
  ] as CredentialField[];
}

async function openSettings(handlers: Parameters<typeof mockBackend>[0] = {}) {
  const calls = await startApp(handlers);
  await fireEvent.click(byId('nav-settings')!);
  await waitFor(() => expect(byId('screen-settings')).not.toBeNull());
  return calls;
}

async function selectGateway(id: string) {
  const select = byId('settings-gateway') as HTMLSelectElement;
  select.value = id;
  await fireEvent.change(select);
}

function field(name: string): HTMLInputElement {
  return document.querySelector<HTMLInputElement>(`input[data-field="${name}"]`)!;
}

function pageText(): string {
  const values = [...document.querySelectorAll('input')].map((input) => input.value);
  return document.body.innerHTML + values.join(' ');
}

describe('settings', () => {
  test('Demo says it needs no credentials', async () => {
    await openSettings();
    expect(byId('screen-settings')?.textContent).toContain('Demo needs no credentials');
    expect(document.querySelector('input[data-field]')).toBeNull();
  });

  test('credentials are write-only: the typed value is sent once, then gone from the page', async () => {
    let source = 'not_set';
    const calls = await openSettings({
      credentials: () => dex3Fields(source),
      set_credential: () => {
        source = 'keyring';
        return dex3Fields(source);
      },
    });
    await selectGateway('dex3');
    await waitFor(() =>
      expect(document.querySelector('[data-field-state="merchant_private"]')?.textContent).toBe('not set'),
    );
    expect(document.querySelector('[data-field-state="merchant_public"]')?.textContent).toBe('set (environment)');
    expect(field('merchant_private').type).toBe('password');
    expect(field('merchant_public').type).toBe('text');

    await fireEvent.input(field('merchant_private'), { target: { value: SECRET } });
    await fireEvent.click(byId('save-credentials')!);

    await waitFor(() =>
      expect(document.querySelector('[data-field-state="merchant_private"]')?.textContent).toBe('set (keyring)'),
    );
    // Only the non-empty input is sent.
    expect(callsTo(calls, 'set_credential')).toEqual([
      { gateway: 'dex3', field: 'merchant_private', value: SECRET },
    ]);
    expect(field('merchant_private').value).toBe('');
    expect(pageText()).not.toContain(SECRET);
    expect(pageText()).not.toContain(LEAK);
  });

  test('a failed credential save shows the backend message', async () => {
    await openSettings({
      credentials: () => dex3Fields('not_set'),
      set_credential: () => {
        throw rejection('keyring_unavailable', 'the system keyring is locked');
      },
    });
    await selectGateway('dex3');
    await waitFor(() => expect(field('merchant_private')).not.toBeNull());
    await fireEvent.input(field('merchant_private'), { target: { value: SECRET } });
    await fireEvent.click(byId('save-credentials')!);
    await waitFor(() => expect(byId('screen-settings')?.textContent).toContain('the system keyring is locked'));
  });

  test('Save settings sends the defaults and the base URL override of each gateway', async () => {
    const calls = await openSettings({
      save_settings: ({ input }) => ({ ...(input as object), last_gateway: null }),
      test_connection: () => ({
        base_url: 'https://api.dex3.io/',
        http_status: 200,
        missing_fields: [],
        ok: true,
        message: 'api.dex3.io answered (HTTP 200); every required credential is set',
      }),
    });
    await selectGateway('dex3');
    const baseUrl = byId('base-url') as HTMLInputElement;
    expect(baseUrl.value).toBe('');
    expect(baseUrl.placeholder).toBe('https://api.dex3.io/');
    await fireEvent.input(baseUrl, { target: { value: ' http://127.0.0.1:8787/dex3/ ' } });
    await fireEvent.click(byId('decimal-comma')!);
    await fireEvent.input(byId('terminal-label')!, { target: { value: ' TILL2 ' } });
    await fireEvent.input(byId('shop-name')!, { target: { value: ' Corner Shop ' } });
    await fireEvent.input(byId('relay-url')!, { target: { value: ' https://relay.example.com/ ' } });
    await fireEvent.input(byId('tip-presets')!, { target: { value: '10, 15 20%' } });
    await fireEvent.click(byId('sounds')!);
    // Dex3 takes a lifetime within its bounds; Demo's is left to the default.
    const lifetime = byId('lifetime') as HTMLInputElement;
    expect([lifetime.min, lifetime.max, lifetime.placeholder]).toEqual(['1', '10080', '30']);
    await fireEvent.input(lifetime, { target: { value: '45' } });
    await fireEvent.click(byId('save-settings')!);

    await waitFor(() => expect(byId('settings-message')?.textContent).toBe('Settings saved.'));
    expect(callsTo(calls, 'save_settings')).toEqual([
      {
        input: {
          default_gateway: 'demo',
          default_currency: 'USD',
          base_urls: { dex3: 'http://127.0.0.1:8787/dex3/' },
          decimal_comma: true,
          terminal_label: 'TILL2',
          shop_name: 'Corner Shop',
          relay_url: 'https://relay.example.com/',
          language: 'en',
          sounds: true,
          tip_percents: [10, 15, 20],
          kiosk: false,
          always_on_top: false,
          idle_lock_minutes: 0,
          lifetime_minutes: { dex3: 45 },
          tax_rounding: { level: 'line', mode: 'half_up' },
          max_rate_age_hours: 48,
          rates_url: null,
          printer: null,
          paper_width: 'mm80',
          printer_qr: 'native',
          auto_print: false,
          copies: 1,
          drawer_on_cash: true,
        },
      },
    ]);

    await fireEvent.click(byId('test-connection')!);
    await waitFor(() => expect(byId('connection-result')?.textContent).toContain('every required credential is set'));
    expect(callsTo(calls, 'test_connection')).toEqual([{ gateway: 'dex3' }]);
  });

  test('a gateway that sets its own lifetime says so, and a refused lifetime shows the backend message', async () => {
    await startApp({
      bootstrap: () => {
        const boot = bootstrapReply();
        boot.gateways[1].lifetime = { kind: 'fixed' };
        return boot;
      },
      save_settings: () => {
        throw rejection('bad_input', 'Demo (simulator) takes an invoice lifetime of 1 to 1440 minutes, not 9999');
      },
    });
    await fireEvent.click(byId('nav-settings')!);
    await waitFor(() => expect(byId('screen-settings')).not.toBeNull());
    await fireEvent.input(byId('lifetime')!, { target: { value: '9999' } });
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() => expect(byId('settings-message')?.textContent).toContain('1 to 1440 minutes'));
    await selectGateway('dex3');
    expect(byId('lifetime')).toBeNull();
    expect(byId('lifetime-fixed')?.textContent).toBe('Dex3 sets how long its invoices last.');
  });

  test('each gateway keeps its own lifetime in minutes, seeded from the saved ones; an emptied one is not sent', async () => {
    const calls = await openSettings({
      bootstrap: () => bootstrapReply({ lifetime_minutes: { demo: 90, dex3: 15 } }),
      save_settings: ({ input }) => ({ ...(input as object), last_gateway: null, manager_pin_set: false }),
    });
    const lifetime = () => byId('lifetime') as HTMLInputElement;
    // Demo: 1 minute to 24 hours, as the bootstrap's bounds in seconds say.
    expect(lifetime().value).toBe('90');
    expect([lifetime().min, lifetime().max]).toEqual(['1', '1440']);
    expect(lifetime().closest('label')?.textContent).toContain('Invoice lifetime (minutes)');
    expect(lifetime().closest('label')?.textContent).toContain('1 to 1440; 30 if left empty');
    await fireEvent.input(lifetime(), { target: { value: '120' } });
    await selectGateway('dex3');
    expect(lifetime().value).toBe('15');
    await fireEvent.input(lifetime(), { target: { value: '' } });
    await selectGateway('demo');
    expect(lifetime().value).toBe('120');
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() => expect(byId('settings-message')?.textContent).toBe('Settings saved.'));
    expect(callsTo(calls, 'save_settings').map((c) => (c.input as { lifetime_minutes: unknown }).lifetime_minutes)).toEqual([
      { demo: 120 },
    ]);
  });

  test('a lifetime out of bounds goes to the backend to refuse, and its message is shown', async () => {
    const calls = await openSettings({
      save_settings: ({ input }) => {
        const minutes = (input as { lifetime_minutes: Record<string, number> }).lifetime_minutes.demo;
        throw rejection('bad_input', `Demo takes an invoice lifetime of 1 to 1440 minutes, not ${minutes}`);
      },
    });
    await fireEvent.input(byId('lifetime')!, { target: { value: '0' } });
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() =>
      expect(byId('settings-message')?.textContent).toBe('Demo takes an invoice lifetime of 1 to 1440 minutes, not 0'),
    );
    expect(callsTo(calls, 'save_settings')).toHaveLength(1);
    // Nothing was saved: the screen still holds the draft, and the app's settings are unchanged.
    expect((byId('lifetime') as HTMLInputElement).value).toBe('0');
  });

  test('the tax rounding, the oldest rate a sale may use and the rates source are saved with the rest', async () => {
    const calls = await openSettings({
      bootstrap: () => bootstrapReply({ rates_url: 'https://rates.example/daily.xml', max_rate_age_hours: 24 }),
      save_settings: ({ input }) => ({ ...bootstrapReply().settings, ...(input as object) }),
    });
    const level = byId('tax-rounding-level') as HTMLSelectElement;
    const mode = byId('tax-rounding-mode') as HTMLSelectElement;
    expect([level.value, mode.value]).toEqual(['line', 'half_up']);
    expect((byId('max-rate-age') as HTMLInputElement).value).toBe('24');
    expect((byId('rates-url') as HTMLInputElement).value).toBe('https://rates.example/daily.xml');
    level.value = 'total';
    await fireEvent.change(level);
    mode.value = 'half_even';
    await fireEvent.change(mode);
    await fireEvent.input(byId('max-rate-age')!, { target: { value: ' 72 ' } });
    // Emptied: back to the ECB's daily file.
    await fireEvent.input(byId('rates-url')!, { target: { value: '  ' } });
    await fireEvent.click(byId('save-settings')!);
    await waitFor(() => expect(byId('settings-message')?.textContent).toBe('Settings saved.'));
    const [{ input }] = callsTo(calls, 'save_settings') as { input: Record<string, unknown> }[];
    expect(input.tax_rounding).toEqual({ level: 'total', mode: 'half_even' });
    expect(input.max_rate_age_hours).toBe(72);
    expect(input.rates_url).toBeNull();
    // The other fields are sent as before.
    expect(input.default_currency).toBe('USD');
    expect(input.lifetime_minutes).toEqual({});
  });
});
