//! A throwaway PostgreSQL cluster: `initdb` in a temporary directory, `pg_ctl` listening on
//! 127.0.0.1 at a free port, stopped and deleted on drop. No mock: the tests that replicate a
//! ledger or run the relay talk to a real server through it.

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    password: String,
    as_postgres: bool,
}

impl Cluster {
    /// Makes and starts a cluster with a `paydesk` role (random password) and database.
    pub fn start() -> io::Result<Cluster> {
        let bin = bin_dir()?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("paydesk-pg-").tempdir()?;
        let mut secret = [0u8; 12];
        getrandom::fill(&mut secret).map_err(|e| io::Error::other(e.to_string()))?;
        let password = hex::encode(secret);
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, &password)?;
        let mut cluster = Cluster { dir, bin, port: 0, password, as_postgres };
        if as_postgres {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(cluster.dir.path()))?;
        }
        let data = cluster.data();
        cluster.pg("initdb", |c| {
            c.arg("-D").arg(&data).args(["-U", "paydesk", "-E", "UTF8", "--no-locale", "--no-sync"]);
            c.arg(format!("--pwfile={}", pwfile.display()));
            c.args(["--auth-host=scram-sha-256", "--auth-local=scram-sha-256"]);
        })?;
        std::fs::remove_file(&pwfile)?;
        // A free port can be taken between asking and binding: try a few.
        let mut last = None;
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.start_again() {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        if let Some(e) = last {
            return Err(e);
        }
        let port = cluster.port.to_string();
        cluster.pg("createdb", |c| {
            c.args(["-h", "127.0.0.1", "-p", &port, "-U", "paydesk", "paydesk"]);
        })?;
        Ok(cluster)
    }

    /// `postgres://paydesk:…@127.0.0.1:PORT/paydesk`
    pub fn url(&self) -> String {
        format!("postgres://paydesk:{}@127.0.0.1:{}/paydesk", self.password, self.port)
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (fast: clients are cut off, as when a shop's server goes down).
    pub fn stop(&self) -> io::Result<()> {
        let data = self.data();
        self.pg("pg_ctl", |c| {
            c.arg("-D").arg(&data).args(["-m", "fast", "-w", "-t", "60", "stop"]);
        })
    }

    /// Starts the stopped server again, on the same port.
    pub fn start_again(&self) -> io::Result<()> {
        let data = self.data();
        let log = self.dir.path().join("server.log");
        let options =
            format!("-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200", self.port, data.display());
        self.pg("pg_ctl", |c| {
            c.arg("-D").arg(&data).arg("-l").arg(&log).args(["-w", "-t", "60", "-o", &options, "start"]);
        })
    }

    /// The server's log so far, for a failing test to print.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs one of the server's programs, as `postgres` when we are root.
    fn pg(&self, program: &str, args: impl FnOnce(&mut Command)) -> io::Result<()> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        command.env("PGPASSWORD", &self.password).current_dir(self.dir.path());
        args(&mut command);
        run(&mut command)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.pg("pg_ctl", |c| {
            c.arg("-D").arg(&data).args(["-m", "immediate", "-w", "-t", "30", "stop"]);
        });
    }
}

fn run(command: &mut Command) -> io::Result<()> {
    let Output { status, stdout, stderr } = command.output()?;
    if status.success() {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "{command:?} failed ({status}): {}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    )))
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

/// Where `initdb` and `pg_ctl` are: `PAYDESK_PG_BIN`, then `PATH`, then Debian's newest
/// `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PAYDESK_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file());
    if let Some(dir) = on_path {
        return Ok(std::fs::canonicalize(dir.join("initdb"))?.parent().map(Path::to_path_buf).unwrap_or(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "PostgreSQL's server programs (initdb, pg_ctl) were not found: apt-get install postgresql, or set PAYDESK_PG_BIN")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;

    #[test]
    fn a_cluster_listens_on_loopback_stops_starts_again_and_is_gone_after_drop() {
        let cluster = Cluster::start().unwrap();
        let addr = format!("127.0.0.1:{}", cluster.port());
        assert!(TcpStream::connect(&addr).is_ok(), "{}", cluster.log());
        cluster.stop().unwrap();
        assert!(TcpStream::connect(&addr).is_err());
        cluster.start_again().unwrap();
        assert!(TcpStream::connect(&addr).is_ok());
        let dir = cluster.dir.path().to_path_buf();
        drop(cluster);
        assert!(!dir.exists());
        assert!(TcpStream::connect(&addr).is_err());
    }
}
