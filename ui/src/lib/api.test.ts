import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, test } from 'vitest';
import App from '../App.svelte';
import { bootstrapReply, callsTo, mockBackend, rejection } from '../test/backend';
import indexHtml from '../../index.html?raw';
import * as api from './api';

describe('api', () => {
  test('passes the contract argument names to the backend', async () => {
    const calls = mockBackend({
      history: () => [],
      charge: () => ({}),
      retry_invoice: () => ({}),
      settle_invoice: () => ({}),
      items: () => [],
      item_by_barcode: () => ({}),
      quote: () => ({}),
      cash_sale: () => ({}),
    });
    await api.history('12.34', 50, 100);
    await api.charge({ gateway: 'demo', amount: '1', items: [], tip: null, currency: 'USD', description: null });
    await api.retryInvoice('PD-20261123-AAAA1111');
    await api.items('esp');
    await api.itemByBarcode('4006381333931');
    const sale = { amount: '', items: [{ item_id: 7, quantity: 2 }], tip: '0.50', currency: 'EUR', description: null };
    await api.quote({ gateway: 'demo', ...sale });
    await api.cashSale(sale);
    await api.settleInvoice('PD-20261123-AAAA1111', false, 'not on the dashboard');
    expect(callsTo(calls, 'history')).toEqual([{ search: '12.34', limit: 50, offset: 100 }]);
    expect(callsTo(calls, 'charge')).toEqual([
      { request: { gateway: 'demo', amount: '1', items: [], tip: null, currency: 'USD', description: null } },
    ]);
    expect(callsTo(calls, 'items')).toEqual([{ search: 'esp' }]);
    expect(callsTo(calls, 'item_by_barcode')).toEqual([{ code: '4006381333931' }]);
    expect(callsTo(calls, 'quote')).toEqual([{ request: { gateway: 'demo', ...sale } }]);
    expect(callsTo(calls, 'cash_sale')).toEqual([{ request: sale }]);
    expect(callsTo(calls, 'retry_invoice')).toEqual([{ key: 'PD-20261123-AAAA1111' }]);
    expect(callsTo(calls, 'settle_invoice')).toEqual([
      { key: 'PD-20261123-AAAA1111', paid: false, reason: 'not on the dashboard' },
    ]);
  });

  test('a backend ErrorReply rejects as an ApiError with its code and message', async () => {
    mockBackend({
      check_amount: () => {
        throw rejection('bad_amount', 'the amount must be more than zero');
      },
    });
    const error = await api.checkAmount('0', 'USD').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(api.ApiError);
    expect(error).toMatchObject({ code: 'bad_amount', message: 'the amount must be more than zero', orderId: null });
  });

  test('a lost answer keeps the order id of the sale to check', async () => {
    mockBackend({
      charge: () => {
        throw rejection('sale_unknown', 'the connection broke. Sale PD-1 is unknown', 'PD-20261204-LOST0001');
      },
    });
    const error = await api.charge({ gateway: 'demo', amount: '1', items: [], tip: null, currency: 'USD', description: null }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(api.ApiError);
    expect(error).toMatchObject({ code: 'sale_unknown', orderId: 'PD-20261204-LOST0001' });
    expect(api.toApiError({ code: 'sale_unknown', message: 'lost', order_id: 42 }).orderId).toBeNull();
  });

  test('string and shapeless rejections still become a readable ApiError', () => {
    expect(api.toApiError('command charge not found')).toMatchObject({
      code: 'internal',
      message: 'command charge not found',
    });
    expect(api.toApiError({ weird: true }).message).toBe('something went wrong inside Paydesk');
    expect(api.toApiError(undefined).message).toBe('something went wrong inside Paydesk');
  });

  describe('the state index.html asks for as the page starts', () => {
    const page = window as { __paydeskBootstrap?: Promise<unknown>; __paydeskBootstrapState?: unknown };
    // The inline script in ui/index.html, run as the page would run it.
    const startScript = /<script>([\s\S]*?)<\/script>/.exec(indexHtml)?.[1] ?? '';
    afterEach(() => {
      delete page.__paydeskBootstrap;
      delete page.__paydeskBootstrapState;
      history.replaceState(null, '', '#');
    });

    test('is asked for once, and the first bootstrap() takes that answer; later ones ask again', async () => {
      let asked = 0;
      const calls = mockBackend({ bootstrap: () => bootstrapReply({ shop_name: `answer ${++asked}` }) });
      new Function(startScript)();
      expect(callsTo(calls, 'bootstrap')).toHaveLength(1);
      expect((await api.bootstrap()).settings.shop_name).toBe('answer 1');
      expect(callsTo(calls, 'bootstrap')).toHaveLength(1);
      expect((await api.bootstrap()).settings.shop_name).toBe('answer 2');
      expect(callsTo(calls, 'bootstrap')).toHaveLength(2);
    });

    test('with the answer here before the script runs, the keypad is up, and says so, as it runs', async () => {
      const calls = mockBackend({ bootstrap: () => bootstrapReply({ default_currency: 'EUR' }) });
      new Function(startScript)();
      await page.__paydeskBootstrap; // the answer comes while the page's script is fetched
      const target = document.body.appendChild(document.createElement('div'));
      // As main.ts does, with no await in between: no layout of the page can come first.
      const app = mount(App, { target });
      flushSync();
      try {
        expect(target.querySelector('.keypad')).not.toBeNull();
        expect((target.querySelector('#currency') as HTMLSelectElement).value).toBe('EUR');
        expect(callsTo(calls, 'ui_ready')).toHaveLength(1);
        expect(callsTo(calls, 'bootstrap'), 'the early answer was used, not asked again').toHaveLength(1);
        expect(page.__paydeskBootstrapState).toBeUndefined();
      } finally {
        unmount(app);
        target.remove();
      }
    });

    test('an answer not yet here is not waited for by bootstrapHere, and bootstrap still takes it', async () => {
      mockBackend({ bootstrap: () => bootstrapReply({ shop_name: 'early' }) });
      new Function(startScript)();
      expect(api.bootstrapHere()).toBeNull();
      expect((await api.bootstrap()).settings.shop_name).toBe('early');
      expect(page.__paydeskBootstrapState).toBeUndefined();
    });

    test('a refusal of that early request reaches the caller as an ApiError', async () => {
      mockBackend({
        bootstrap: () => {
          throw rejection('internal', 'the ledger could not be opened');
        },
      });
      new Function(startScript)();
      const error = await api.bootstrap().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(api.ApiError);
      expect(error).toMatchObject({ code: 'internal', message: 'the ledger could not be opened' });
    });

    test('the customer-facing window does not ask', () => {
      const calls = mockBackend();
      history.replaceState(null, '', '#customer');
      new Function(startScript)();
      expect(callsTo(calls, 'bootstrap')).toHaveLength(0);
      expect(page.__paydeskBootstrap).toBeUndefined();
    });
  });
});
