import { flushSync, mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// The customer-facing window loads the same page with #customer (src-tauri/lib.rs opens it). Its
// code is a chunk of its own, so the cashier's first script does not carry it.
if (location.hash === '#customer') {
  import('./CustomerDisplay.svelte').then(({ default: CustomerDisplay }) => mount(CustomerDisplay, { target }));
} else {
  mount(App, { target });
  // Its effects now, not after the page's first layout: with its state already here, the keypad
  // is then up (and says so) before WebKit lays out the page.
  flushSync();
}
