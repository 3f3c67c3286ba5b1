// The screens the keypad does not need at start, each fetched the first time it is shown
// (components/Lazy.svelte), so the cashier's first script is half the size (bench/side-by-side).
// Fetching them all once the till is up held 1.4 MiB more while idle, to save a few milliseconds
// on a screen's first opening: not done.
export const screens = {
  invoice: () => import('../screens/InvoiceScreen.svelte'),
  history: () => import('../screens/HistoryScreen.svelte'),
  report: () => import('../screens/ReportScreen.svelte'),
  settings: () => import('../screens/SettingsScreen.svelte'),
  shop: () => import('../screens/ShopScreen.svelte'),
};
