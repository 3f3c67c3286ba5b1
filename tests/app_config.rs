//! The webview's fences, read from the files Tauri builds the app from: a strict CSP in
//! tauri.conf.json, and capabilities per window: the cashier's may call Paydesk's own commands
//! and listen to its events, the customer display only learns what to show; and every command
//! but the customer display's checks that the cashier's window called it. Widening any of these
//! must be a conscious change to this test.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The only core permissions a window holds.
const EVENT_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];
/// What the customer-facing display may call: what it is to show, nothing else.
const CUSTOMER_COMMANDS: &[&str] = &["customer_display"];
/// The one line every other command starts with: it answers the cashier's window alone, even if a
/// capability ever grants it to another window (manager functions, money, the pay link, files).
const WINDOW_CHECK: &str = "cashier_only(window.label())?;";
/// Permission families that would hand the page the machine or the network.
const FORBIDDEN_PREFIXES: &[&str] = &["shell:", "fs:", "http:", "opener:", "dialog:", "process:", "updater:"];
/// Where Tauri's IPC answers (`ipc:` on Linux and macOS, http(s)://ipc.localhost on Windows).
const IPC_ORIGINS: &[&str] = &["ipc:", "http://ipc.localhost", "https://ipc.localhost"];

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn conf() -> Value {
    read_json(&root().join("tauri.conf.json"))
}

/// A CSP as directive -> sources, from either form Tauri accepts (one string, or an object of
/// directive -> string or list).
fn directives(csp: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    match csp {
        Value::String(text) => {
            for directive in text.split(';').map(str::trim).filter(|d| !d.is_empty()) {
                let mut words = directive.split_whitespace().map(String::from);
                let name = words.next().unwrap().to_ascii_lowercase();
                assert!(out.insert(name.clone(), words.collect()).is_none(), "{name} appears twice");
            }
        }
        Value::Object(map) => {
            for (name, sources) in map {
                let sources = match sources {
                    Value::String(s) => s.split_whitespace().map(String::from).collect(),
                    Value::Array(list) => list.iter().map(|s| s.as_str().expect("a source").to_string()).collect(),
                    other => panic!("{name}: {other}"),
                };
                out.insert(name.to_ascii_lowercase(), sources);
            }
        }
        other => panic!("the CSP is neither a string nor an object: {other}"),
    }
    out
}

fn check_csp(which: &str, csp: &Value) {
    let d = directives(csp);
    let get = |name: &str| d.get(name).unwrap_or_else(|| panic!("{which} has no {name}: {d:?}"));
    assert_eq!(get("default-src"), &["'self'"], "{which}");
    assert_eq!(get("script-src"), &["'self'"], "{which}: scripts from the app alone");
    assert_eq!(get("object-src"), &["'none'"], "{which}");
    for (name, sources) in &d {
        for source in sources {
            let lower = source.to_ascii_lowercase();
            assert!(!lower.starts_with("'unsafe-"), "{which}: {name} allows {source}");
            assert!(!lower.contains('*'), "{which}: {name} allows a wildcard {source}");
            // A bare scheme ("https:") allows every host of it.
            let bare_scheme = lower.ends_with(':') && !IPC_ORIGINS.contains(&lower.as_str());
            assert!(!bare_scheme || lower == "data:" || lower == "blob:", "{which}: {name} allows any {source}");
            let remote = lower.contains("://") || lower.starts_with("ws:") || lower.starts_with("wss:");
            assert!(!remote || IPC_ORIGINS.contains(&lower.as_str()), "{which}: {name} allows the origin {source}");
        }
    }
    for name in ["script-src", "default-src", "object-src", "connect-src"] {
        if let Some(sources) = d.get(name) {
            assert!(!sources.iter().any(|s| s == "data:" || s == "blob:"), "{which}: {name} allows data/blob");
        }
    }
}

#[test]
fn the_csp_allows_the_app_alone() {
    let conf = conf();
    let security = &conf["app"]["security"];
    let csp = &security["csp"];
    assert!(csp.is_string() || csp.is_object(), "a CSP must be set: {security}");
    check_csp("csp", csp);
    // A development CSP, if one is ever added, is held to the same rule.
    if !security["devCsp"].is_null() {
        check_csp("devCsp", &security["devCsp"]);
    }
    assert_ne!(security["dangerousDisableAssetCspModification"], Value::Bool(true));
}

#[test]
fn the_page_gets_no_global_api_and_no_remote_dev_server() {
    let conf = conf();
    assert_ne!(conf["app"]["withGlobalTauri"], Value::Bool(true), "window.__TAURI__ must stay off");
    assert_ne!(conf["app"]["security"]["assetProtocol"]["enable"], Value::Bool(true), "no asset protocol");
    if let Some(dev_url) = conf["build"]["devUrl"].as_str() {
        let url = url_host(dev_url);
        assert!(["localhost", "127.0.0.1", "[::1]"].contains(&url.as_str()), "devUrl {dev_url} is off this machine");
    }
    let frontend = conf["build"]["frontendDist"].as_str().expect("frontendDist");
    assert!(!frontend.contains("://"), "the UI is served from the app, not {frontend}");
}

/// The host of an http(s) URL, without a port.
fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next().unwrap_or_default()),
        None => host.split(':').next().unwrap_or_default().to_ascii_lowercase(),
    }
}

/// Every capability, from src-tauri/capabilities/ and any declared inline in tauri.conf.json.
fn capabilities() -> Vec<(String, Value)> {
    let dir = root().join("src-tauri/capabilities");
    let mut all: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .inspect(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
            assert!(ext == "json", "{}: only JSON capabilities are checked here", p.display());
        })
        .map(|p| (p.display().to_string(), read_json(&p)))
        .collect();
    if let Some(inline) = conf()["app"]["security"]["capabilities"].as_array() {
        all.extend(inline.iter().map(|c| ("tauri.conf.json".to_string(), c.clone())));
    }
    all
}

/// The names inside `marker![ … ]` (or `marker: &[…] = &[ … ]`) of a source file, in order.
fn listed(file: &str, marker: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let start = text.find(marker).unwrap_or_else(|| panic!("{file} has no {marker}")) + marker.len();
    let end = start + text[start..].find(']').unwrap();
    text[start..end].split(',').map(|c| c.trim().trim_matches('"').to_string()).filter(|c| !c.is_empty()).collect()
}

/// The app's commands: the ones lib.rs registers, which must be the ones build.rs makes
/// permissions for (a command missing there would be callable by no window, or by every one).
fn commands() -> Vec<String> {
    // lib.rs names them by path into src-tauri/commands.rs, shop_commands.rs and updates.rs.
    let handled: Vec<String> = listed("src-tauri/lib.rs", "generate_handler![")
        .into_iter()
        .map(|c| c.rsplit("::").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        handled,
        listed("src-tauri/build.rs", "COMMANDS: &[&str] = &["),
        "build.rs and lib.rs list other commands"
    );
    handled
}

fn permission_ids(from: &str, cap: &Value) -> Vec<String> {
    let permissions = cap["permissions"].as_array().unwrap_or_else(|| panic!("{from}: no permissions list"));
    // A permission is an identifier, or an object with one (and a scope).
    permissions
        .iter()
        .map(|p| p.as_str().or_else(|| p["identifier"].as_str()).expect("an identifier").to_string())
        .collect()
}

fn allow(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

#[test]
fn hardening_09_each_window_may_call_what_it_needs_and_nothing_more() {
    let commands = commands();
    let all = capabilities();
    assert_eq!(all.len(), 2, "one capability per window");
    for (from, cap) in all {
        for key in ["webviews", "remote"] {
            assert!(cap[key].is_null(), "{from}: '{key}' widens who holds the permissions");
        }
        let ids = permission_ids(&from, &cap);
        for id in &ids {
            assert!(!FORBIDDEN_PREFIXES.iter().any(|p| id.starts_with(p)), "{from}: the webview may not have {id}");
            let known = EVENT_PERMISSIONS.contains(&id.as_str()) || commands.iter().any(|c| &allow(c) == id);
            assert!(known, "{from}: {id} is new; add it to this test on purpose");
        }
        let mut want: Vec<String> = EVENT_PERMISSIONS.iter().map(|p| p.to_string()).collect();
        match cap["windows"].as_array().map(|w| w.as_slice()) {
            Some([window]) if window == "main" => {
                want.extend(commands.iter().filter(|c| !CUSTOMER_COMMANDS.contains(&c.as_str())).map(|c| allow(c)));
            }
            Some([window]) if window == "customer" => want.extend(CUSTOMER_COMMANDS.iter().map(|c| allow(c))),
            other => panic!("{from}: granted to {other:?}, not to one of Paydesk's own windows"),
        }
        let mut got = ids.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{from}");
    }
}

/// The commands of `lib` (the shell's text) other than the customer display's whose body does not
/// begin with [`WINDOW_CHECK`] (comments aside), or that could not be found.
fn unchecked_commands(lib: &str, commands: &[String]) -> Vec<String> {
    let starts_checked = |command: &str| -> bool {
        let Some(start) = lib.find(&format!("async fn {command}(")) else { return false };
        // The body starts after the signature's "{" at the end of a line.
        let Some(open) = lib[start..].find("{\n") else { return false };
        let mut lines =
            lib[start + open + 2..].lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//"));
        lines.next() == Some(WINDOW_CHECK)
    };
    commands.iter().filter(|c| !CUSTOMER_COMMANDS.contains(&c.as_str()) && !starts_checked(c)).cloned().collect()
}

#[test]
fn hardening_09_every_command_but_the_customer_displays_checks_the_calling_window() {
    // The shell's text: the commands and the window check are in commands.rs, shop_commands.rs
    // and updates.rs, MAIN_WINDOW in lib.rs.
    let lib = ["src-tauri/lib.rs", "src-tauri/commands.rs", "src-tauri/shop_commands.rs", "src-tauri/updates.rs"]
        .map(|f| std::fs::read_to_string(root().join(f)).unwrap())
        .concat();
    let unchecked = unchecked_commands(&lib, &commands());
    assert!(unchecked.is_empty(), "these commands do not begin with {WINDOW_CHECK}: {unchecked:?}");
    // The check itself lets the cashier's window ("main", as tauri.conf.json names it) through, alone.
    assert_eq!(conf()["app"]["windows"][0]["label"], "main");
    let check = &lib[lib.find("fn cashier_only(").expect("fn cashier_only")..];
    let check = &check[..check.find("\n}\n").unwrap()];
    assert!(check.contains("if label == MAIN_WINDOW {\n        Ok(())"), "{check}");
    assert!(lib.contains("const MAIN_WINDOW: &str = \"main\";"));
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let refused = |csp: &str| std::panic::catch_unwind(|| check_csp("test", &Value::String(csp.into()))).is_err();
    let good = "default-src 'self'; script-src 'self'; object-src 'none'; connect-src ipc: http://ipc.localhost";
    assert!(!refused(good));
    assert!(refused("default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'"));
    assert!(refused("default-src 'self'; script-src 'self' 'unsafe-eval'; object-src 'none'"));
    assert!(refused("default-src 'self'; script-src 'self' https://cdn.example; object-src 'none'"));
    assert!(refused("default-src 'self'; script-src 'self'; object-src 'none'; img-src https:"));
    assert!(refused("default-src 'self'; script-src 'self'; object-src 'none'; connect-src https://api.example"));
    assert!(refused("default-src 'self'; script-src 'self'; object-src 'none'; connect-src *"));
    assert!(refused("default-src 'self'; script-src 'self'"));
    assert!(refused("default-src *; script-src 'self'; object-src 'none'"));
    assert_eq!(url_host("http://localhost:1420/"), "localhost");
    assert_eq!(url_host("http://[::1]:1420"), "[::1]");
    assert_eq!(url_host("http://127.0.0.1.evil.example:1420"), "127.0.0.1.evil.example");

    let commands: Vec<String> = ["charge", "unlock", "customer_display"].map(String::from).to_vec();
    let lib = "async fn charge(window: Window) -> Reply<()> {\n    // why\n    cashier_only(window.label())?;\n}\n\
               async fn unlock(window: Window) -> Reply<()> {\n    let x = 1;\n    cashier_only(window.label())?;\n}\n\
               async fn customer_display() -> Reply<()> {\n    Ok(())\n}\n";
    assert_eq!(unchecked_commands(lib, &commands), ["unlock"], "a check after other work is no check");
    assert_eq!(unchecked_commands("", &commands), ["charge", "unlock"], "a command not found is unchecked");
}
