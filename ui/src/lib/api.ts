// The only module that talks to the Tauri backend. Every command resolves with its generated type
// or rejects with an ApiError ({code, message}), whatever shape the rejection arrived in.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AmountCheck } from '../bindings/AmountCheck';
import type { Bootstrap } from '../bindings/Bootstrap';
import type { ChargeRequest } from '../bindings/ChargeRequest';
import type { ConnectionCheck } from '../bindings/ConnectionCheck';
import type { CredentialField } from '../bindings/CredentialField';
import type { ErrorReply } from '../bindings/ErrorReply';
import type { InvoiceView } from '../bindings/InvoiceView';
import type { SettingsInput } from '../bindings/SettingsInput';
import type { SettingsView } from '../bindings/SettingsView';

export class ApiError extends Error implements ErrorReply {
  readonly code: string;
  constructor({ code, message }: ErrorReply) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** Backend errors arrive as {code, message}; Tauri's own (unknown command, IPC failure) as a string. */
export function toApiError(reason: unknown): ApiError {
  if (reason instanceof ApiError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, message } = reason as Partial<Record<keyof ErrorReply, unknown>>;
    if (typeof message === 'string' && message !== '') {
      return new ApiError({ code: typeof code === 'string' ? code : 'internal', message });
    }
  }
  if (typeof reason === 'string' && reason !== '') return new ApiError({ code: 'internal', message: reason });
  return new ApiError({ code: 'internal', message: 'something went wrong inside Paydesk' });
}

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toApiError(reason);
  }
}

export const bootstrap = () => call<Bootstrap>('bootstrap');
export const checkAmount = (amount: string, currency: string) =>
  call<AmountCheck>('check_amount', { amount, currency });
export const charge = (request: ChargeRequest) => call<InvoiceView>('charge', { request });
export const followInvoice = (key: string) => call<InvoiceView>('follow_invoice', { key });
/** Asks the gateway about a failed or unknown sale, or re-sends it under the same order id. */
export const retryInvoice = (key: string) => call<InvoiceView>('retry_invoice', { key });
export const invoiceQr = (key: string) => call<string>('invoice_qr', { key });
export const openPayLink = (key: string) => call<null>('open_pay_link', { key });
export const history = (search: string, limit: number, offset: number) =>
  call<InvoiceView[]>('history', { search, limit, offset });
export const exportCsv = () => call<string>('export_csv');
export const credentials = (gateway: string) => call<CredentialField[]>('credentials', { gateway });
export const setCredential = (gateway: string, field: string, value: string) =>
  call<CredentialField[]>('set_credential', { gateway, field, value });
export const deleteCredentials = (gateway: string) => call<CredentialField[]>('delete_credentials', { gateway });
export const saveSettings = (input: SettingsInput) => call<SettingsView>('save_settings', { input });
export const testConnection = (gateway: string) => call<ConnectionCheck>('test_connection', { gateway });
/** Tells the backend the keypad is interactive (bench/startup times cold start by it). */
export const uiReady = () => call<null>('ui_ready');

/** Calls `handler` with every `invoice-updated` event the backend emits while following invoices. */
export function onInvoiceUpdated(handler: (invoice: InvoiceView) => void): Promise<UnlistenFn> {
  return listen<InvoiceView>('invoice-updated', (event) => handler(event.payload));
}
