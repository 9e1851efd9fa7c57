//! [`LocalServer`]: a throwaway PostgreSQL cluster for tests and examples, started from the
//! locally installed binaries in a temporary directory and removed afterwards.
//!
//! Most code reaches it through [`Database::embedded`](crate::Database::embedded), which uses
//! `DATABASE_URL` instead when it is set.
//!
//! How it works: `initdb` a cluster (trust authentication, UTF-8, C locale) in a fresh
//! directory under the system temp dir, then `pg_ctl start` it on a free port of 127.0.0.1
//! with durability off (`fsync`, `synchronous_commit`, `full_page_writes`), its Unix socket
//! in the same directory. PostgreSQL refuses to run as root, so a root process runs the
//! server as the `postgres` system user. The binaries come from `pg_config --bindir`, then
//! `PATH`, then the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
//!
//! Cleanup: dropping the [`LocalServer`] stops the server and removes the directory. Since
//! [`LocalServer::shared`] keeps one in a `static` that is never dropped, every server also
//! gets a watchdog, started as soon as its directory exists: a detached shell loop that
//! waits for this process to exit (or the directory to go) and then does the same.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// How many times [`LocalServer::start`] tries (fresh directory and port each time): another
/// process can take the free port between our check and the server's bind.
const ATTEMPTS: usize = 3;

/// How much of the server log a failed start reports.
const LOG_TAIL_BYTES: u64 = 4000;

/// A running throwaway PostgreSQL server; stopped and deleted on drop.
///
/// ```no_run
/// use orm_runtime::{Database, LocalServer};
///
/// # async fn run() -> Result<(), orm_runtime::Error> {
/// let server = LocalServer::start()?;
/// let db = Database::connect(&server.url()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LocalServer {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    run_as: Option<RunAs>,
}

/// The user the server runs as, when this process is root.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

impl LocalServer {
    /// Starts a new server and waits until it accepts connections (typically one to three
    /// seconds: this blocks, so call it from `spawn_blocking` in async code, or use
    /// [`Database::embedded`](crate::Database::embedded)).
    ///
    /// Fails with [`Error::Config`] when no PostgreSQL binaries are installed, and with
    /// [`Error::LocalServer`] (including the tail of the server log) when the server does not
    /// start.
    pub fn start() -> Result<LocalServer, Error> {
        let bin = find_bindir()?;
        let run_as = if running_as_root() {
            Some(postgres_user()?)
        } else {
            None
        };
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match Self::try_start(&bin, run_as) {
                Ok(server) => return Ok(server),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::LocalServer("the server was never started".into())))
    }

    /// The process-wide shared server, started by the first call (concurrent first calls
    /// start only one). It lives until the process exits; its watchdog then removes it.
    /// A failed start is remembered: later calls return the same error at once.
    pub fn shared() -> Result<&'static LocalServer, Error> {
        static SHARED: OnceLock<Result<LocalServer, Error>> = OnceLock::new();
        match SHARED.get_or_init(LocalServer::start) {
            Ok(server) => Ok(server),
            Err(Error::Config(msg)) => Err(Error::Config(msg.clone())),
            Err(Error::LocalServer(msg)) => Err(Error::LocalServer(msg.clone())),
            Err(e) => Err(Error::LocalServer(e.to_string())),
        }
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`: the superuser, trust authentication.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory: `data/` (the cluster), `log` (the server log) and the Unix
    /// socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn try_start(bin: &Path, run_as: Option<RunAs>) -> Result<LocalServer, Error> {
        let dir = make_temp_dir(run_as)?;
        // From here on, Drop stops whatever started and removes the directory; the watchdog
        // does it if this process dies first, even halfway through initdb.
        let mut server = LocalServer {
            dir,
            port: 0,
            bin: bin.to_owned(),
            run_as,
        };
        server.spawn_watchdog()?;
        server.port = free_port()
            .map_err(|e| Error::LocalServer(format!("no free port on 127.0.0.1: {e}")))?;
        server.init_and_start()?;
        Ok(server)
    }

    fn init_and_start(&self) -> Result<(), Error> {
        let data = self.data_dir();
        let out = self.run(
            self.command("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
                .arg("--no-sync"),
            "initdb",
        )?;
        check(out, "initdb", None)?;

        let log = self.dir.join("log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.port,
            shell_quote(&self.dir.to_string_lossy()),
        );
        let out = self.run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(options)
                .args(["-w", "-t", "60", "start"]),
            "pg_ctl start",
        )?;
        check(out, "pg_ctl start", Some(&log))
    }

    /// Starts the detached cleanup loop; see the module docs.
    ///
    /// When this process is gone, the loop waits (up to a minute) for an `initdb` or
    /// `pg_ctl` it left running in the directory to finish (otherwise they would write into
    /// it while it is removed), stops the server if one runs, then removes the directory,
    /// retrying while something still writes into it.
    fn spawn_watchdog(&self) -> Result<(), Error> {
        let dir = shell_quote(&self.dir.to_string_lossy());
        let data = shell_quote(&self.data_dir().to_string_lossy());
        let pg_ctl = shell_quote(&self.bin.join("pg_ctl").to_string_lossy());
        let script = format!(
            "while [ -d /proc/{pid} ] && [ -d {dir} ]; do sleep 0.5; done; \
             [ -d {dir} ] || exit 0; \
             n=0; while [ $n -lt 120 ]; do \
               busy=; for p in /proc/[0-9]*; do \
                 [ \"$(readlink $p/cwd 2>/dev/null)\" = {dir} ] && busy=1 && break; \
               done; \
               [ -z \"$busy\" ] && break; n=$((n+1)); sleep 0.5; \
             done; \
             if [ -f {data}/postmaster.pid ]; then {pg_ctl} -D {data} stop -m immediate -w; fi; \
             n=0; while [ -e {dir} ] && [ $n -lt 20 ]; do rm -rf {dir}; n=$((n+1)); sleep 0.5; done",
            pid = std::process::id(),
        );
        // The outer shell exits at once (so no zombie is left behind), and the loop is
        // adopted by init; its own process group keeps it out of the terminal's Ctrl-C. Its
        // working directory is `/`, so that it does not count as busy in the directory.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("({script}) >/dev/null 2>&1 </dev/null &"))
            .current_dir("/")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(user) = self.run_as {
            cmd.uid(user.uid).gid(user.gid);
        }
        let status = cmd
            .status()
            .map_err(|e| Error::LocalServer(format!("cannot start the cleanup watchdog: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::LocalServer(format!(
                "the cleanup watchdog failed to start ({status})"
            )))
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        // A directory the server user can enter: initdb and pg_ctl complain when the
        // current directory is not readable (e.g. /root).
        cmd.current_dir(&self.dir)
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .stdin(Stdio::null());
        if let Some(user) = self.run_as {
            cmd.uid(user.uid).gid(user.gid);
        }
        cmd
    }

    fn run(&self, cmd: &mut Command, what: &str) -> Result<Output, Error> {
        cmd.output()
            .map_err(|e| Error::LocalServer(format!("cannot run {what}: {e}")))
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if self.data_dir().join("postmaster.pid").exists() {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .args(["stop", "-m", "immediate", "-w"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Turns a failed command's output into an error with its stderr and, for the server, the
/// tail of the log.
fn check(out: Output, what: &str, log: Option<&Path>) -> Result<(), Error> {
    if out.status.success() {
        return Ok(());
    }
    let mut msg = format!("{what} failed ({})", out.status);
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        let text = text.trim();
        if !text.is_empty() {
            msg.push('\n');
            msg.push_str(text);
        }
    }
    if let Some(log) = log {
        match log_tail(log) {
            Ok(tail) => {
                msg.push_str("\nserver log (");
                msg.push_str(&log.to_string_lossy());
                msg.push_str("):\n");
                msg.push_str(tail.trim_end());
            }
            Err(e) => msg.push_str(&format!("\n(cannot read the server log: {e})")),
        }
    }
    Err(Error::LocalServer(msg))
}

fn log_tail(log: &Path) -> io::Result<String> {
    let mut file = fs::File::open(log)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Where `initdb` and `pg_ctl` live.
fn find_bindir() -> Result<PathBuf, Error> {
    find_bindir_in(
        Path::new("pg_config"),
        std::env::var_os("PATH"),
        Path::new("/usr/lib/postgresql"),
    )
}

/// [`find_bindir`] with its three places as parameters.
fn find_bindir_in(
    pg_config: &Path,
    path: Option<OsString>,
    debian: &Path,
) -> Result<PathBuf, Error> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();

    // 1. pg_config --bindir
    if let Ok(out) = Command::new(pg_config).arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Ok(dir);
        }
    }
    // 2. PATH
    if let Some(path) = path {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Ok(dir);
            }
        }
    }
    // 3. Debian's /usr/lib/postgresql/<major>/bin, newest first.
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(debian)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort_by_key(|(major, _)| *major);
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    Err(Error::Config(
        "no PostgreSQL server binaries found (looked for initdb and pg_ctl via `pg_config \
         --bindir`, PATH and /usr/lib/postgresql/*/bin): install them, on Debian or Ubuntu \
         with `apt-get install postgresql` (and `postgresql-contrib` for extensions such as \
         hstore and citext), or set DATABASE_URL to a server of your own"
            .into(),
    ))
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// uid and gid of the `postgres` system user, from /etc/passwd.
fn postgres_user() -> Result<RunAs, Error> {
    let no_user = || {
        Error::Config(
            "this process runs as root and PostgreSQL refuses to: no `postgres` system user \
             to run the server as (install the `postgresql` package, which creates it, or set \
             DATABASE_URL)"
                .into(),
        )
    };
    let passwd = fs::read_to_string("/etc/passwd").map_err(|_| no_user())?;
    find_user(&passwd, "postgres").ok_or_else(no_user)
}

/// uid and gid of `name` in the text of /etc/passwd.
fn find_user(passwd: &str, name: &str) -> Option<RunAs> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            [user, _, uid, gid, ..] if *user == name => Some(RunAs {
                uid: uid.parse().ok()?,
                gid: gid.parse().ok()?,
            }),
            _ => None,
        }
    })
}

/// A new, empty directory owned by the server's user.
fn make_temp_dir(run_as: Option<RunAs>) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut base = std::env::temp_dir();
    // The server user must be able to reach the directory: a root-only TMPDIR will not do.
    if run_as.is_some() && !fs::metadata(&base).is_ok_and(|m| m.permissions().mode() & 0o001 != 0) {
        base = PathBuf::from("/tmp");
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "mapped-pg-{}-{}-{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    );
    let dir = base.join(name);
    let err =
        |e: io::Error| Error::LocalServer(format!("cannot create {}: {e}", dir.to_string_lossy()));
    // create_dir, not create_dir_all: fails if the name is somehow taken.
    fs::create_dir(&dir).map_err(err)?;
    let setup = || -> io::Result<()> {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        if let Some(user) = run_as {
            std::os::unix::fs::chown(&dir, Some(user.uid), Some(user.gid))?;
        }
        Ok(())
    };
    if let Err(e) = setup() {
        let _ = fs::remove_dir_all(&dir);
        return Err(err(e));
    }
    // The watchdog compares this path with /proc/*/cwd, which is canonical.
    match fs::canonicalize(&dir) {
        Ok(canonical) => Ok(canonical),
        Err(e) => {
            let _ = fs::remove_dir_all(&dir);
            Err(err(e))
        }
    }
}

/// A port that was free a moment ago.
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// `'text'` for `sh`, with embedded single quotes escaped.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;

    /// A scratch directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "mapped-unit-{name}-{}-{:x}",
                std::process::id(),
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            ));
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn tools(&self, sub: &str) -> PathBuf {
            let bin = self.0.join(sub);
            fs::create_dir_all(&bin).unwrap();
            fs::write(bin.join("initdb"), "").unwrap();
            fs::write(bin.join("pg_ctl"), "").unwrap();
            bin
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const NO_PG_CONFIG: &str = "/nonexistent/pg_config";

    #[test]
    fn debian_layout_picks_the_newest_major_with_tools() {
        let root = Scratch::new("debian");
        root.tools("9/bin");
        let v15 = root.tools("15/bin");
        // Newer, but incomplete: skipped.
        fs::create_dir_all(root.0.join("16/bin")).unwrap();
        fs::write(root.0.join("16/bin/initdb"), "").unwrap();
        let found = find_bindir_in(Path::new(NO_PG_CONFIG), None, &root.0).unwrap();
        assert_eq!(found, v15);
    }

    #[test]
    fn path_comes_before_the_debian_layout() {
        let root = Scratch::new("path");
        let on_path = root.tools("path/bin");
        root.tools("debian/15/bin");
        let path = std::env::join_paths([root.0.join("empty"), on_path.clone()]).unwrap();
        let found =
            find_bindir_in(Path::new(NO_PG_CONFIG), Some(path), &root.0.join("debian")).unwrap();
        assert_eq!(found, on_path);
    }

    #[test]
    fn no_binaries_names_the_packages_to_install() {
        let root = Scratch::new("none");
        let err = find_bindir_in(Path::new(NO_PG_CONFIG), None, &root.0).unwrap_err();
        let Error::Config(msg) = err else {
            panic!("expected Error::Config, got {err:?}")
        };
        assert!(msg.contains("apt-get install postgresql"), "{msg}");
        assert!(msg.contains("postgresql-contrib"), "{msg}");
    }

    #[test]
    fn passwd_lookup() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n";
        let user = find_user(passwd, "postgres").unwrap();
        assert_eq!((user.uid, user.gid), (101, 104));
        assert!(find_user(passwd, "nobody").is_none());
        assert!(find_user("postgres:x:oops:1::/:/bin/sh", "postgres").is_none());
    }

    #[test]
    fn a_failed_start_reports_stderr_and_the_log_tail() {
        let root = Scratch::new("check");
        let log = root.0.join("log");
        let mut text = "x".repeat(10_000);
        text.push_str("\nFATAL:  could not bind IPv4 address\n");
        fs::write(&log, text).unwrap();
        let out = Command::new("sh")
            .args(["-c", "echo 'pg_ctl: could not start server' >&2; exit 1"])
            .output()
            .unwrap();
        let err = check(out, "pg_ctl start", Some(&log)).unwrap_err();
        let Error::LocalServer(msg) = &err else {
            panic!("expected Error::LocalServer, got {err:?}")
        };
        assert!(msg.starts_with("pg_ctl start failed"), "{msg}");
        assert!(msg.contains("could not start server"), "{msg}");
        assert!(
            msg.ends_with("FATAL:  could not bind IPv4 address"),
            "{msg}"
        );
        // Only the tail.
        assert!(msg.len() < 4200, "{}", msg.len());
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
