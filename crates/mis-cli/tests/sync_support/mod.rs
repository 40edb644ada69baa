//! Shared by the `sync_*` tests: temp files, table dumps, emulated schools, a real PostgreSQL.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use mis_sandbox::{EmulatorDescriptor, EmulatorOptions, FaultPlan, Sandbox, School};

/// A fresh temp path (removed if it exists).
pub fn temp_path(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("mis-cli-{name}-{}", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p
}

/// The data tables (what a user reads), compared between two databases.
pub const DATA_TABLES: [&str; 5] = [
    "schools",
    "students",
    "attendance_marks",
    "lessons",
    "behaviour_events",
];

/// Every row of every data table of a SQLite file, as text, sorted, without the `sync_gen`
/// bookkeeping column (which generation wrote a row is not data).
pub fn sqlite_data(path: &std::path::Path) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = BTreeMap::new();
    for table in DATA_TABLES {
        let columns: Vec<String> = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .filter(|c| c != "sync_gen")
            .collect();
        let sql = format!("SELECT {} FROM {table}", columns.join(", "));
        let mut stmt = conn.prepare(&sql).unwrap();
        let mut rows: Vec<Vec<String>> = stmt
            .query_map([], |r| {
                Ok((0..columns.len())
                    .map(|i| {
                        let v: rusqlite::types::Value = r.get(i).unwrap();
                        format!("{v:?}")
                    })
                    .collect())
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

/// How fast the emulators of [`start`] run their clocks: a vendor's quota window lasts this
/// times the vendor's. A client gate configured for one of them is scaled the same way.
pub const TIME_SCALE: f64 = 0.001;

/// An emulated school and the environment naming its credentials (`<PREFIX>_<NAME>`).
pub async fn start(
    emulator: &EmulatorDescriptor,
    school: Arc<School>,
    prefix: &str,
    env: &mut BTreeMap<String, String>,
) -> Sandbox {
    start_with(emulator, school, FaultPlan::none(), prefix, env).await
}

/// [`start`] with a fault plan.
pub async fn start_with(
    emulator: &EmulatorDescriptor,
    school: Arc<School>,
    faults: FaultPlan,
    prefix: &str,
    env: &mut BTreeMap<String, String>,
) -> Sandbox {
    let options = EmulatorOptions {
        time_scale: TIME_SCALE,
        ..EmulatorOptions::default()
    };
    let s = Sandbox::start_with(emulator, school, faults, options, 0)
        .await
        .unwrap();
    for (name, value) in &s.credentials().0 {
        env.insert(
            format!("{prefix}_{}", name.to_ascii_uppercase()),
            value.clone(),
        );
    }
    s
}

/// A PostgreSQL 15 server of our own, started as the `postgres` user on a free port. It is
/// thrown away with its directory when dropped, so it never syncs its files to disk (initdb's
/// `--no-sync`, the server's `fsync=off`): an operating system crash is not what any test
/// here is about, and initdb alone took 4 s of it.
pub struct Postgres {
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
    pub port: u16,
}

impl Postgres {
    pub fn start() -> Option<Postgres> {
        let bin = [
            "/usr/lib/postgresql/15/bin",
            "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/17/bin",
        ]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|b| b.join("initdb").exists())?;
        // One directory per server: several tests of one binary may each start one.
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mis-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let as_postgres = |args: &[&str]| {
            // PostgreSQL refuses to run as root: run it as the postgres system user when we
            // are root, as ourselves otherwise.
            let root = Command::new("id")
                .arg("-u")
                .output()
                .ok()
                .is_some_and(|o| o.stdout.starts_with(b"0"));
            let mut c = if root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]);
                c
            } else {
                Command::new(args[0])
            };
            if root {
                c.args(args);
            } else {
                c.args(&args[1..]);
            }
            c.output().ok().filter(|o| o.status.success())
        };
        let _ = Command::new("chown")
            .args(["postgres", dir.to_str()?])
            .status();
        let data = dir.join("data");
        let initdb = bin.join("initdb");
        as_postgres(&[
            initdb.to_str()?,
            "-D",
            data.to_str()?,
            "-U",
            "mis",
            "--auth=trust",
            "--no-sync",
        ])?;
        let pg_ctl = bin.join("pg_ctl");
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.display()
        );
        as_postgres(&[
            pg_ctl.to_str()?,
            "-D",
            data.to_str()?,
            "-o",
            &opts,
            "-l",
            dir.join("log").to_str()?,
            "-w",
            "start",
        ])?;
        Some(Postgres { dir, bin, port })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", data.to_str().unwrap_or(""), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Postgres {
    /// The URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://mis@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `db` and returns its URL.
    pub async fn create_database(&self, db: &str) -> String {
        let client = pg_client(&self.url("postgres")).await;
        client
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .await
            .unwrap();
        self.url(db)
    }
}

/// A plain tokio-postgres client (its connection driven by a task).
pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Every table of a PostgreSQL database (but refinery's history and the tables named in
/// `skip_tables`), every row as text, sorted, without the columns named in `skip_columns`
/// (`*` for every table, or `table.column`).
pub async fn pg_tables(
    url: &str,
    skip_tables: &[&str],
    skip_columns: &[&str],
) -> BTreeMap<String, Vec<Vec<String>>> {
    let client = pg_client(url).await;
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_type = 'BASE TABLE' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .filter(|t: &String| t != "refinery_schema_history" && !skip_tables.contains(&t.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    for table in tables {
        let messages = client
            .simple_query(&format!("SELECT * FROM {table}"))
            .await
            .unwrap();
        let mut rows = Vec::new();
        for m in &messages {
            if let tokio_postgres::SimpleQueryMessage::Row(row) = m {
                let mut values = Vec::new();
                for (i, c) in row.columns().iter().enumerate() {
                    let skipped = skip_columns.iter().any(|s| {
                        *s == c.name()
                            || s.strip_prefix("*.") == Some(c.name())
                            || *s == format!("{table}.{}", c.name())
                    });
                    if !skipped {
                        values.push(format!("{}={}", c.name(), row.get(i).unwrap_or("NULL")));
                    }
                }
                rows.push(values);
            }
        }
        rows.sort();
        out.insert(table, rows);
    }
    out
}
