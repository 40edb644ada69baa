//! `--out postgres://…` over TLS: a real PostgreSQL started with `ssl=on`, a CA and a server
//! certificate made by the `openssl` command at test time, and a `pg_hba.conf` that accepts
//! TLS connections only. SKIPPED (and says why) where the PostgreSQL server binaries or
//! `openssl` are missing, like the other PostgreSQL tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use mis_cli::store::{self, Store, Value};
use mis_core::{AttendanceCategory, AttendanceMark, Session, Slot, Student};

fn mark(date: jiff::civil::Date, session: Session) -> AttendanceMark {
    AttendanceMark::new(
        "memory",
        "1",
        date,
        Slot::Session,
        "/",
        AttendanceCategory::Present,
    )
    .with_session(session)
}

/// Who runs the server: PostgreSQL refuses to run as root, so as the `postgres` system user
/// when we are root, as ourselves otherwise.
fn as_server_user(args: &[&str]) -> Option<std::process::Output> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| o.stdout.starts_with(b"0"));
    let mut c = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).args(args);
        c
    } else {
        let mut c = Command::new(args[0]);
        c.args(&args[1..]);
        c
    };
    c.output().ok().filter(|o| o.status.success())
}

fn openssl(dir: &Path, args: &[&str]) -> Option<()> {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(drop)
}

/// A CA and a server certificate for DNS name `localhost` only (not `127.0.0.1`, so a
/// connection by address is a name mismatch), both EC P-256, valid for two days.
fn make_certificates(dir: &Path) -> Option<()> {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    let mut ca = vec!["req", "-x509", "-nodes", "-days", "2"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        "/CN=mis test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca)?;
    let mut csr = vec!["req", "-nodes"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(dir, &csr)?;
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    )
}

/// A PostgreSQL server of our own with TLS on, accepting TLS connections only.
struct TlsPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl TlsPostgres {
    /// Starts it, or says why it cannot.
    fn start() -> Result<TlsPostgres, String> {
        let bin = [
            "/usr/lib/postgresql/15/bin",
            "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/17/bin",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|b| b.join("initdb").exists())
        .ok_or("no PostgreSQL initdb/pg_ctl found")?;
        let dir = std::env::temp_dir().join(format!("mis-pg-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let _ = Command::new("chown").arg("postgres").arg(&dir).status();
        let data = dir.join("data");
        let path = |p: &Path| p.to_str().map(str::to_string).ok_or("non-UTF-8 temp path");
        as_server_user(&[
            &path(&bin.join("initdb"))?,
            "-D",
            &path(&data)?,
            "-U",
            "mis",
            "--auth=trust",
        ])
        .ok_or("initdb failed")?;
        make_certificates(&dir).ok_or("the openssl command is missing or failed")?;
        for file in ["server.crt", "server.key"] {
            std::fs::copy(dir.join(file), data.join(file)).map_err(|e| e.to_string())?;
        }
        // The key readable by the server's user only, or PostgreSQL refuses to start.
        let _ = Command::new("chown")
            .args([
                "postgres",
                &path(&data.join("server.key"))?,
                &path(&data.join("server.crt"))?,
            ])
            .status();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                data.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .map_err(|e| e.to_string())?;
        }
        // TLS only over TCP: a plain TCP connection matches no line and is refused.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .map_err(|e| e.to_string())?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c ssl=on",
            dir.display()
        );
        as_server_user(&[
            &path(&bin.join("pg_ctl"))?,
            "-D",
            &path(&data)?,
            "-o",
            &opts,
            "-l",
            &path(&dir.join("log"))?,
            "-w",
            "start",
        ])
        .ok_or_else(|| {
            format!(
                "pg_ctl start failed: {}",
                std::fs::read_to_string(dir.join("log")).unwrap_or_default()
            )
        })?;
        Ok(TlsPostgres { dir, bin, port })
    }

    fn ca(&self) -> String {
        self.dir.join("ca.crt").display().to_string()
    }

    /// The URL of the `postgres` database by `host`, with a password the server never
    /// asks for (trust auth): it must never show up in an error.
    fn url(&self, host: &str, query: &str) -> String {
        format!(
            "postgres://mis:{PASSWORD}@{host}:{}/postgres?{query}",
            self.port
        )
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_server_user(&[
            self.bin.join("pg_ctl").to_str().unwrap_or("pg_ctl"),
            "-D",
            data.to_str().unwrap_or(""),
            "-m",
            "immediate",
            "stop",
        ]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const PASSWORD: &str = "not-the-pw-9f8e";

/// Whether the store's own connection is encrypted, as the server sees it.
async fn uses_tls(store: &mut Store) -> bool {
    let rows = store
        .query(
            "SELECT CAST(ssl AS TEXT) FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    rows[0][0].as_deref() == Some("true")
}

async fn open_err(url: &str) -> String {
    let e = store::open(url)
        .await
        .expect_err("the connection is refused")
        .to_string();
    assert!(!e.contains(PASSWORD), "no password in errors: {e}");
    // What a user sees (`--nocapture`).
    println!("{e}");
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_is_honoured_against_a_tls_only_server() {
    let pg = match TlsPostgres::start() {
        Ok(pg) => pg,
        Err(why) => {
            println!("SKIPPED: {why}; PostgreSQL over TLS was not tested");
            return;
        }
    };
    let ca = pg.ca();

    // verify-full with the CA: connects, migrates and writes, encrypted.
    let mut s = store::open(&pg.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    assert!(uses_tls(&mut s).await);
    s.begin().await.unwrap();
    s.school("Oak", "memory", None, "Europe/London")
        .await
        .unwrap();
    s.student("Oak", &Student::new("memory", "1", "Ada", "Lovelace"), 1)
        .await
        .unwrap();
    // The same key twice in one batch (PostgreSQL refuses that in one statement): the later
    // row wins, as two upserts would leave it.
    s.student("Oak", &Student::new("memory", "2", "Bea", "Old"), 1)
        .await
        .unwrap();
    s.student("Oak", &Student::new("memory", "2", "Bea", "New"), 1)
        .await
        .unwrap();
    // 1,203 marks: three multi-row statements.
    for i in 0..1203 {
        let day = jiff::civil::date(2024, 1, 1)
            .checked_add(jiff::Span::new().days(i / 2))
            .unwrap();
        let session = if i % 2 == 0 { Session::Am } else { Session::Pm };
        s.mark("Oak", &mark(day, session), 1).await.unwrap();
    }
    s.commit().await.unwrap();
    assert_eq!(s.count("students").await.unwrap(), 2);
    assert_eq!(s.count("attendance_marks").await.unwrap(), 1203);
    let last = s
        .query(
            "SELECT last_name FROM students WHERE id = $1",
            &[Value::text("2")],
        )
        .await
        .unwrap();
    assert_eq!(last[0][0].as_deref(), Some("New"));
    let name = s
        .query(
            "SELECT first_name FROM students WHERE id = $1",
            &[Value::text("1")],
        )
        .await
        .unwrap();
    assert_eq!(name[0][0].as_deref(), Some("Ada"));
    drop(s);

    // verify-full without the CA: the Mozilla and OS roots do not know it.
    let e = open_err(&pg.url("localhost", "sslmode=verify-full")).await;
    assert!(
        e.contains(&format!("localhost:{}", pg.port))
            && e.contains("sslmode=verify-full")
            && e.contains("certificate")
            && e.contains("UnknownIssuer")
            && e.contains("sslrootcert"),
        "{e}"
    );

    // verify-full by address: the certificate names `localhost` only.
    let e = open_err(&pg.url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(
        e.contains("127.0.0.1") && e.contains("does not name the host"),
        "{e}"
    );
    // verify-ca checks the chain only: the same address connects.
    let mut s = store::open(&pg.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")))
        .await
        .unwrap();
    assert!(uses_tls(&mut s).await);
    drop(s);

    // require (no check, libpq's meaning) and the default, prefer: encrypted all the same.
    for query in ["sslmode=require", "application_name=mis-test"] {
        let mut s = store::open(&pg.url("127.0.0.1", query)).await.unwrap();
        assert!(uses_tls(&mut s).await, "{query}");
        assert_eq!(s.count("students").await.unwrap(), 2, "{query}");
    }

    // disable: the server accepts TLS only, and the error says so.
    let e = open_err(&pg.url("127.0.0.1", "sslmode=disable")).await;
    assert!(
        e.contains("no encryption")
            && e.contains("sslmode=disable")
            && e.contains("accepts only TLS"),
        "{e}"
    );

    // A root file that is not there is named, before any connection.
    let e = open_err(&pg.url(
        "localhost",
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    ))
    .await;
    assert!(e.contains("sslrootcert /nonexistent/ca.pem"), "{e}");
}
