import { describe, expect, test } from 'vitest';
import { callsTo, mockBackend, rejection } from '../test/backend';
import * as api from './api';

describe('api', () => {
  test('passes the contract argument names to the backend', async () => {
    const calls = mockBackend({ history: () => [], charge: () => ({}), retry_invoice: () => ({}) });
    await api.history('12.34', 50, 100);
    await api.charge({ gateway: 'demo', amount: '1', currency: 'USD', description: null });
    await api.retryInvoice('PD-20261123-AAAA1111');
    expect(callsTo(calls, 'history')).toEqual([{ search: '12.34', limit: 50, offset: 100 }]);
    expect(callsTo(calls, 'charge')).toEqual([
      { request: { gateway: 'demo', amount: '1', currency: 'USD', description: null } },
    ]);
    expect(callsTo(calls, 'retry_invoice')).toEqual([{ key: 'PD-20261123-AAAA1111' }]);
  });

  test('a backend ErrorReply rejects as an ApiError with its code and message', async () => {
    mockBackend({
      check_amount: () => {
        throw rejection('bad_amount', 'the amount must be more than zero');
      },
    });
    const error = await api.checkAmount('0', 'USD').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(api.ApiError);
    expect(error).toMatchObject({ code: 'bad_amount', message: 'the amount must be more than zero' });
  });

  test('string and shapeless rejections still become a readable ApiError', () => {
    expect(api.toApiError('command charge not found')).toMatchObject({
      code: 'internal',
      message: 'command charge not found',
    });
    expect(api.toApiError({ weird: true }).message).toBe('something went wrong inside Paydesk');
    expect(api.toApiError(undefined).message).toBe('something went wrong inside Paydesk');
  });
});
