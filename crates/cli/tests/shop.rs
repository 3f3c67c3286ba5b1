//! Several tills, one shop: two `paydesk` till processes with their own data dirs sell at the
//! same time while their replicators (`paydesk shop sync --follow`, what the app runs in the
//! background) push into one real PostgreSQL cluster, which is stopped mid-run and started again.

use paydesk_ledger::Ledger;
use paydesk_money::clock::{civil_date, unix_now};
use paydesk_pgcluster::Cluster;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{text, BIN};

const SALES_PER_TILL: u32 = 500;

struct Till {
    dir: tempfile::TempDir,
    label: &'static str,
    /// Cents of the first sale; sale n is this plus n.
    first_cents: u32,
}

impl Till {
    fn new(label: &'static str, first_cents: u32) -> Till {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("settings.json"), format!(r#"{{"terminal_label":"{label}"}}"#)).unwrap();
        Till { dir, label, first_cents }
    }

    fn command(&self, shop_url: Option<&str>) -> Command {
        let mut cmd = Command::new(BIN);
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
            cmd.env_remove(key);
        }
        cmd.env("PAYDESK_DATA_DIR", self.dir.path());
        // No keyring here: the address comes from the variable, which wins over the keyring.
        cmd.env("PAYDESK_KEYRING_SERVICE", format!("paydesk-test-{}", std::process::id()));
        if let Some(url) = shop_url {
            cmd.env("PAYDESK_SHOP_DATABASE_URL", url);
        }
        cmd
    }

    fn run(&self, shop_url: Option<&str>, args: &[&str]) -> String {
        let out: Output = self.command(shop_url).args(args).output().unwrap();
        assert!(out.status.success(), "{} paydesk {args:?}: {}", self.label, text(&out.stderr));
        text(&out.stdout)
    }

    fn replicator(&self, shop_url: &str) -> Killed {
        Killed(self.command(Some(shop_url)).args(["shop", "sync", "--follow"]).stdout(Stdio::null()).spawn().unwrap())
    }

    fn ledger_path(&self) -> PathBuf {
        self.dir.path().join("ledger.sqlite3")
    }

    fn expected_cents(&self) -> u64 {
        (0..SALES_PER_TILL).map(|n| u64::from(self.first_cents + n)).sum()
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sales_in(path: &Path) -> u64 {
    // Opened afresh each time: the sellers are other processes.
    Ledger::open(path).map(|l| l.totals(0, i64::MAX / 2).unwrap().iter().map(|g| g.count).sum()).unwrap_or(0)
}

/// Waits (at most `limit`) until `done` holds; false if it never did.
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

fn day(unix: i64) -> String {
    let (y, m, d) = civil_date(unix);
    format!("{y:04}-{m:02}-{d:02}")
}

fn cents(decimal: &serde_json::Value) -> u64 {
    let text = decimal.as_str().unwrap();
    let (whole, frac) = text.split_once('.').unwrap();
    whole.parse::<u64>().unwrap() * 100 + frac.parse::<u64>().unwrap()
}

#[test]
fn two_tills_selling_at_once_add_up_in_the_shop_database_through_a_server_restart() {
    let cluster = Cluster::start().unwrap();
    let url = cluster.url();
    let tills = [Till::new("T1", 100), Till::new("T2", 700)];
    // Each ledger is made before its replicator starts, so both exist from the first sale.
    for till in &tills {
        till.run(None, &["shop", "status"]);
    }
    let replicators: Vec<Killed> = tills.iter().map(|t| t.replicator(&url)).collect();

    let outbox_at_restart = std::thread::scope(|scope| {
        for till in &tills {
            scope.spawn(move || {
                for n in 0..SALES_PER_TILL {
                    let cents = till.first_cents + n;
                    let amount = format!("{}.{:02}", cents / 100, cents % 100);
                    till.run(None, &["cash", &amount, "--description", &format!("sale {n}")]);
                }
            });
        }
        // The shop's server goes down mid-run and comes back while both tills keep selling.
        let first = tills[0].ledger_path();
        assert!(wait_until(Duration::from_secs(120), || sales_in(&first) >= 150), "the tills did not sell");
        cluster.stop().unwrap();
        assert!(wait_until(Duration::from_secs(120), || sales_in(&first) >= 300), "the tills stopped selling");
        let waiting: u64 = tills.iter().map(|t| Ledger::open(&t.ledger_path()).unwrap().outbox_len().unwrap()).sum();
        cluster.start_again().unwrap();
        waiting
    });
    assert!(outbox_at_restart > 0, "sales made while the server was down waited in the outboxes");

    let drained = wait_until(Duration::from_secs(120), || {
        tills.iter().all(|t| Ledger::open(&t.ledger_path()).unwrap().outbox_len().unwrap() == 0)
    });
    assert!(drained, "the outboxes drained after the restart\n{}", cluster.log());
    drop(replicators);

    let period = ["--from".to_string(), day(unix_now() - 86_400), "--to".to_string(), day(unix_now() + 86_400)];
    let period: Vec<&str> = period.iter().map(String::as_str).collect();
    let shop: serde_json::Value =
        serde_json::from_str(&tills[0].run(Some(&url), &[&["report", "--shop", "--json"][..], &period].concat()))
            .unwrap();
    let total = &shop["total"]["currencies"][0];
    let expected: u64 = tills.iter().map(Till::expected_cents).sum();
    assert_eq!(total["cash_count"], 2 * SALES_PER_TILL, "no sale lost or doubled");
    assert_eq!(cents(&total["cash"]), expected);

    // Each till's share in the shop report is exactly that till's own report.
    for till in &tills {
        let own: serde_json::Value =
            serde_json::from_str(&till.run(None, &[&["report", "--json"][..], &period].concat())).unwrap();
        assert_eq!(cents(&own["currencies"][0]["cash"]), till.expected_cents());
        let share = shop["tills"].as_array().unwrap().iter().find(|t| t["name"] == till.label).unwrap();
        assert_eq!(share["report"]["currencies"], own["currencies"], "{}", till.label);
    }

    let rows: serde_json::Value =
        serde_json::from_str(&tills[1].run(Some(&url), &["invoices", "--shop", "--json", "--limit", "5"])).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 5);
}

#[test]
fn the_shop_views_without_a_shop_database_say_how_to_set_one() {
    let till = Till::new("T1", 100);
    let out = till.command(None).args(["report", "--shop"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("PAYDESK_SHOP_DATABASE_URL"), "{}", text(&out.stderr));
}

#[test]
fn the_shop_database_address_is_read_from_stdin_and_a_bad_one_is_refused_before_it_is_kept() {
    use std::io::Write;
    let till = Till::new("T1", 100);
    let mut child = till
        .command(None)
        .args(["shop", "set-database"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"mysql://user:Secr3tDistinct@host/db\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("postgres://"), "{said}");
    assert!(!said.contains("Secr3tDistinct"), "{said}");
}
