// The scanner (scanner.ts) on a page: every keydown is seen first, in the capture phase on the
// window, before a focused field or the screen's own handler. Held keys are stopped there (their
// default and their propagation), so a burst never lands in a field or the amount and its Enter
// never charges; keys given back as typing are replayed where they were pressed: into the text
// field at its caret (as the browser would have typed them), else to the screen's handler.
import { Scanner } from './scanner';

type TextField = HTMLInputElement | HTMLTextAreaElement;
/** The inputs that have a caret (setRangeText throws on the others). */
const TEXT_TYPES = new Set(['text', 'search', 'url', 'tel', 'password']);

const isTextField = (el: EventTarget | null): el is TextField =>
  el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && TEXT_TYPES.has(el.type));

/** Types `text` at the caret of `field`, within its maxlength, and tells bindings it changed. */
function typeInto(field: TextField, text: string) {
  if (field.disabled || field.readOnly || !field.isConnected) return;
  const [start, end] = [field.selectionStart ?? field.value.length, field.selectionEnd ?? field.value.length];
  const room = field.maxLength >= 0 ? field.maxLength - field.value.length + (end - start) : text.length;
  if (room <= 0) return;
  field.setRangeText(text.slice(0, room), start, end, 'end');
  field.dispatchEvent(new Event('input', { bubbles: true }));
}

export interface ScanWatch {
  /** True while keys belong to someone else (a dialog is open): nothing is held then. */
  paused: () => boolean;
  /** A key given back as typing that was pressed outside a text field. */
  onkey: (key: string, target: EventTarget | null) => void;
  onscan: (code: string) => void;
}

/** Starts watching the window's keys; returns the stop function (for an $effect). */
export function watchScanner({ paused, onkey, onscan }: ScanWatch): () => void {
  const scanner = new Scanner<EventTarget | null>({
    release: (keys) => {
      for (const { key, data } of keys) {
        if (isTextField(data)) typeInto(data, key);
        else onkey(key, data);
      }
    },
    scan: onscan,
    setTimer: (run, ms) => setTimeout(run, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  });
  function onkeydown(event: KeyboardEvent) {
    // Shortcuts, a held-down key and an IME's composition are a person's: what was held goes
    // out first, then the key as usual.
    if (paused() || event.ctrlKey || event.metaKey || event.altKey || event.repeat || event.isComposing) {
      scanner.flush();
      return;
    }
    if (scanner.feed(event.key, event.timeStamp, event.target) !== 'pass') {
      event.preventDefault();
      event.stopPropagation();
    }
  }
  window.addEventListener('keydown', onkeydown, true);
  return () => {
    window.removeEventListener('keydown', onkeydown, true);
    scanner.flush();
  };
}
