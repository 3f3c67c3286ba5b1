//! A blank Tauri 2 window with the same Tauri and WebKitGTK as Paydesk: what bench/side-by-side
//! measures Paydesk's start and memory against, so its figures read as ratios that hold across
//! machines. When its page has loaded it writes the Unix time in ms to `PAYDESK_READY_FILE`, as
//! Paydesk does once its keypad is interactive.

use std::io::Write;

fn main() {
    tauri::Builder::default()
        .on_page_load(|_, payload| {
            if matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                mark_ready();
            }
        })
        .run(tauri::generate_context!())
        .expect("the blank window opens");
}

fn mark_ready() {
    let Some(file) = std::env::var_os("PAYDESK_READY_FILE") else { return };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    let appended = std::fs::OpenOptions::new().create(true).append(true).open(file);
    let _ = appended.and_then(|mut f| writeln!(f, "{now}"));
}
