import { mount } from 'svelte';
import App from './App.svelte';
import CustomerDisplay from './CustomerDisplay.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// The customer-facing window loads the same page with #customer (src-tauri/lib.rs opens it).
export default mount(location.hash === '#customer' ? CustomerDisplay : App, { target });
