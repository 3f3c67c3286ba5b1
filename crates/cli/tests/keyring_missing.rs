//! No keyring at all (no D-Bus session bus, no display), as on a headless till or a broken desktop
//! session: `paydesk` says so in one line, points at the way forward, exits 1, and never falls back
//! to writing the credential anywhere. `PAYDESK_<GATEWAY>_<FIELD>` variables still make a charge work.

use paydesk_gateways::gateway::GatewayInfo;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");
const VALUE: &str = "sk_live_NO_KEYRING_DISTINCTIVE_3307";

/// A home, data dir and runtime dir of its own, and a session bus address where nothing listens.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "data", "runtime"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        Machine { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn command(&self, args: &[&str], env: &[(String, String)]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args).env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("PAYDESK_DATA_DIR", self.path("data"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_RUNTIME_DIR", self.path("runtime"))
            .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", self.path("runtime/no-such-bus").display()))
            .env("PAYDESK_KEYRING_SERVICE", format!("dev.paydesk.test.{}.nokeyring", std::process::id()));
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    fn run(&self, args: &[&str], env: &[(String, String)], stdin: &str) -> Output {
        let mut child = self
            .command(args, env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("paydesk runs");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir`, however deep.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_written_nowhere(machine: &Machine, value: &str, outputs: &[&Output]) {
    for out in outputs {
        assert!(!text(&out.stdout).contains(value) && !text(&out.stderr).contains(value), "the value was printed");
    }
    for file in files(machine.dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(value.len()).any(|w| w == value.as_bytes()), "the value is in {}", file.display());
    }
}

/// One line on stderr, naming both ways forward and the stable code, exit code 1.
#[track_caller]
fn assert_keyring_refusal(out: &Output, env_var: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unlock your keyring") && err.contains(env_var), "{err}");
    assert!(err.trim_end().ends_with("[keyring_unavailable]"), "{err}");
}

#[test]
fn without_a_keyring_setting_a_credential_fails_clearly_and_writes_nothing() {
    let machine = Machine::new();
    let set = machine.run(&["credentials", "set", "oxapay", "merchant_api_key"], &[], &format!("{VALUE}\n"));
    assert_keyring_refusal(&set, "PAYDESK_OXAPAY_MERCHANT_API_KEY");
    let list = machine.run(&["credentials", "list", "oxapay"], &[], "");
    assert_keyring_refusal(&list, "PAYDESK_OXAPAY_MERCHANT_API_KEY");
    // A charge that needs the keyring is refused before the ledger gets a row.
    let charge = machine.run(&["charge", "--gateway", "oxapay", "--amount", "1", "--json"], &[], "");
    assert_keyring_refusal(&charge, "PAYDESK_OXAPAY_MERCHANT_API_KEY");
    let invoices = machine.run(&["invoices", "--json"], &[], "");
    assert!(invoices.status.success(), "{}", text(&invoices.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&invoices.stdout).unwrap(), serde_json::json!([]));
    assert_written_nowhere(&machine, VALUE, &[&set, &list, &charge]);
}

/// `PAYDESK_<GATEWAY>_<FIELD>` for every credential the simulator's account of `gateway` has.
fn env_credentials(gateway: &GatewayInfo) -> Vec<(String, String)> {
    let sim = paydesk_gatewaysim::gateways::credentials(gateway.id);
    sim.iter().map(|(field, value)| (gateway.env_var(field), value.to_string())).collect()
}

/// Whether the simulator's account gives every field `gateway` declares, optional ones included.
fn env_covers_every_field(gateway: &GatewayInfo) -> bool {
    let sim = paydesk_gatewaysim::gateways::credentials(gateway.id);
    gateway.fields.iter().all(|f| sim.iter().any(|(name, _)| *name == f.name))
}

/// Charges `gateway` on the simulator with its credentials in the environment only.
fn charge_from_env(machine: &Machine, sim: &paydesk_gatewaysim::RunningSim, gateway: &GatewayInfo) {
    let base = sim.base_url(gateway.id);
    let args = ["charge", "--gateway", gateway.id, "--amount", "12.34", "--base-url", &base, "--json"];
    let out = machine.run(&args, &env_credentials(gateway), "");
    assert!(out.status.success(), "{}: {}", gateway.id, text(&out.stderr));
    let invoice: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(invoice["status"], "pending", "{}", gateway.id);
    let sim_creds = paydesk_gatewaysim::gateways::credentials(gateway.id);
    for field in gateway.fields.iter().filter(|f| f.secret) {
        if let Some((_, value)) = sim_creds.iter().find(|(name, _)| *name == field.name) {
            assert_written_nowhere(machine, value, &[&out]);
        }
    }
}

fn simulator() -> (tokio::runtime::Runtime, paydesk_gatewaysim::RunningSim) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let sim = runtime.block_on(paydesk_gatewaysim::start(0)).unwrap();
    (runtime, sim)
}

fn gateways_with_fields() -> Vec<&'static GatewayInfo> {
    paydesk_gateways::registry().iter().map(|g| g.info()).filter(|i| !i.fields.is_empty()).collect()
}

#[test]
fn without_a_keyring_environment_credentials_still_charge() {
    let (_runtime, sim) = simulator();
    let machine = Machine::new();
    let covered: Vec<_> = gateways_with_fields().into_iter().filter(|g| env_covers_every_field(g)).collect();
    assert!(covered.len() >= 3, "most gateways are tried: {:?}", covered.iter().map(|g| g.id).collect::<Vec<_>>());
    for gateway in covered {
        charge_from_env(&machine, &sim, gateway);
    }
}

/// An optional field with no variable must not need the keyring: a headless Pay3 till sets only
/// the required ones.
#[test]
fn without_a_keyring_optional_fields_may_stay_unset() {
    let (_runtime, sim) = simulator();
    let machine = Machine::new();
    let partial: Vec<_> = gateways_with_fields().into_iter().filter(|g| !env_covers_every_field(g)).collect();
    assert!(!partial.is_empty(), "some gateway has optional fields the simulator does not need");
    for gateway in partial {
        charge_from_env(&machine, &sim, gateway);
    }
}
