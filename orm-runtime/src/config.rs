//! [`ConnectConfig`]: where and how to connect, read from a URL, a key=value DSN and the
//! `PG*` environment variables the way libpq reads them; use it to configure a database
//! from a connection string.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use tokio_postgres::config::{Host, TargetSessionAttrs};
use tokio_postgres::{Client, Connection, Socket};

use crate::error::Error;

/// The TLS connector tokio-postgres connects with.
#[cfg(feature = "tls")]
pub(crate) type TlsConnector = crate::tls::MakeRustlsConnect;
/// The TLS connector tokio-postgres connects with (none: built without the `tls` feature).
#[cfg(not(feature = "tls"))]
pub(crate) type TlsConnector = tokio_postgres::NoTls;

/// The TLS stream of a [`Connection`] made by [`ConnectConfig::connect`] (whether or not the
/// connection uses TLS: tokio-postgres wraps it in its `MaybeTlsStream`).
#[cfg(feature = "tls")]
pub(crate) type TlsStream = crate::tls::RustlsStream<Socket>;
/// The TLS stream of a [`Connection`] made by [`ConnectConfig::connect`] (none: built without
/// the `tls` feature).
#[cfg(not(feature = "tls"))]
pub(crate) type TlsStream = tokio_postgres::tls::NoTlsStream;

/// The socket directories libpq builds are configured with, in the order tried.
const SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/tmp"];

/// libpq keywords handed to tokio-postgres' own parser as they are.
const PASSED_THROUGH: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
    "sslnegotiation",
];

/// Keywords handled here, because tokio-postgres does not know them or knows fewer values.
const INTERCEPTED: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "statement_cache_size",
    "fallback_application_name",
    "client_encoding",
];

/// libpq keywords mapped does not implement: an error that says so, rather than "unknown".
const UNSUPPORTED: &[&str] = &[
    "passfile",
    "service",
    "requirepeer",
    "require_auth",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "min_protocol_version",
    "max_protocol_version",
    "gssencmode",
    "gsslib",
    "gssdelegation",
    "krbsrvname",
    "replication",
];

/// The environment variable each keyword falls back to.
const ENV_VARS: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("dbname", "PGDATABASE"),
    ("sslmode", "PGSSLMODE"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("options", "PGOPTIONS"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
];

/// libpq's `sslmode`: whether to use TLS and how much of the server's certificate to check.
///
/// | mode | TLS | checks |
/// |---|---|---|
/// | `disable` | never | — |
/// | `allow`, `prefer` (the default) | when the server offers it | as `require` |
/// | `require` | always | nothing, or the chain when a root certificate is given |
/// | `verify-ca` | always | the chain up to `sslrootcert` |
/// | `verify-full` | always | the chain and that the certificate names the host |
///
/// `allow` (plaintext first, then TLS) is read as `prefer`, which tokio-postgres
/// implements. As in libpq, a root certificate (`sslrootcert`, or `~/.postgresql/root.crt`
/// when it exists) makes `prefer` and `require` check the chain too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SslMode {
    /// Plaintext only.
    Disable,
    /// TLS when the server offers it, else plaintext.
    #[default]
    Prefer,
    /// TLS or no connection; the certificate is not checked (unless a root is given).
    Require,
    /// TLS, with a certificate that chains up to a trusted root.
    VerifyCa,
    /// TLS, with a certificate that chains up to a trusted root and names the host.
    VerifyFull,
}

impl SslMode {
    /// The libpq keyword value (`"verify-full"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// libpq's `sslrootcert`: the certificates a server's certificate must chain up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SslRootCert {
    /// A PEM file holding one or more CA certificates.
    File(PathBuf),
    /// The operating system's trust store (`sslrootcert=system`); as in libpq, it requires
    /// `sslmode=verify-full` (and implies it when no `sslmode` is given).
    System,
}

impl SslRootCert {
    fn parse(value: &str) -> SslRootCert {
        if value == "system" {
            SslRootCert::System
        } else {
            SslRootCert::File(PathBuf::from(value))
        }
    }
}

/// Where and how to connect: a [`tokio_postgres::Config`] plus what tokio-postgres does not
/// know (the TLS verification of [`SslMode`] and [`SslRootCert`], the statement cache size).
///
/// Accepted forms (both go through the same keyword table):
///
/// - a URL: `postgres://user:password@host:port/dbname?key=value&...` (or `postgresql://`),
///   percent-decoded. Several hosts: `h1:5432,h2:5433`, or `?host=h1:5432&host=h2` (repeated
///   `host` parameters, each `host[:port]`), or libpq's lists `?host=h1,h2&port=5432,,5433`
///   (an empty port is the default one). `[::1]` is an IPv6 address. A host that starts with
///   `/` (also percent-encoded, `%2Fvar%2Frun%2Fpostgresql`) is a Unix socket directory, and
///   no host at all (`postgres://user@/db`) means the default one (below).
/// - a key=value DSN: `host=localhost user=app dbname=app password='a b\'c'`, with libpq's
///   quoting (single quotes; a backslash escapes the next character).
///
/// Where mapped is stricter than libpq: a setting given twice (`user` in the URL and in
/// `?user=`, a host in the authority and in `?host=`, a repeated DSN keyword) is an error
/// where libpq silently keeps one; an unknown keyword is an error naming it; libpq keywords
/// mapped does not implement (`sslcert`, `passfile`, `service`...) are errors too. An empty
/// value counts as not given.
///
/// Whatever the string leaves out comes from the environment, as libpq's: `PGHOST`,
/// `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGAPPNAME`,
/// `PGCONNECT_TIMEOUT`, `PGOPTIONS`, `PGSSLROOTCERT`, `PGTARGETSESSIONATTRS`. Then libpq's
/// defaults: the host is the Unix socket directory (`/var/run/postgresql` or `/tmp`, the one
/// holding `.s.PGSQL.<port>`), else `localhost`; the port 5432; the user the OS user (`USER`,
/// then `LOGNAME`); the database the user's name (the server's default). `~/.pgpass` and
/// service files are not read.
///
/// Keywords: `host`, `hostaddr`, `port`, `user`, `password`, `dbname`, `options`,
/// `application_name`, `fallback_application_name`, `connect_timeout`, `tcp_user_timeout`,
/// `keepalives`, `keepalives_idle`, `keepalives_interval`, `keepalives_retries`,
/// `target_session_attrs` (`any`, `read-write`, `read-only`: tokio-postgres has no
/// `primary`/`standby`/`prefer-standby`), `load_balance_hosts`, `channel_binding`,
/// `sslmode`, `sslrootcert`, `sslnegotiation`, `client_encoding` (UTF8 only).
///
/// TLS follows libpq's `sslmode` and `sslrootcert` (see [`SslMode`]); it needs the `tls`
/// cargo feature (rustls). TLS is never used over Unix sockets (as in libpq): when every
/// host is a socket directory, any `sslmode` connects in plaintext; in a list that mixes
/// sockets and TCP hosts, a socket whose server has `ssl = on` fails its TLS handshake and
/// the next host is tried. A TLS connection offers `tls-server-end-point` channel binding to
/// SCRAM (none for certificates signed with RSA-PSS or Ed25519). Client certificates
/// (`sslcert`/`sslkey`) are not supported.
///
/// Besides libpq's keywords, `statement_cache_size=N` sets the per-connection prepared
/// statement cache size (`0` disables it, e.g. behind PgBouncer in transaction mode).
///
/// ```no_run
/// use orm_runtime::{ConnectConfig, SslMode};
///
/// # fn run() -> Result<(), orm_runtime::Error> {
/// let config = ConnectConfig::parse(
///     "postgres://app:secret@db1:5432,db2:5432/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem\
///      &target_session_attrs=read-write&application_name=web",
/// )?;
/// assert_eq!(config.ssl_mode(), SslMode::VerifyFull);
///
/// // Everything from PGHOST, PGUSER, ... and libpq's defaults:
/// let local = ConnectConfig::from_env()?.with_application_name("batch");
/// # Ok(()) }
/// ```
///
/// `Debug` never shows the password.
#[derive(Clone)]
pub struct ConnectConfig {
    pg: tokio_postgres::Config,
    ssl_mode: SslMode,
    ssl_root_cert: Option<SslRootCert>,
    statement_cache_size: Option<usize>,
    /// Built at the first connection (or by `parse`, to report a bad `sslrootcert` early),
    /// reset by the setters that change it.
    tls: OnceLock<TlsConnector>,
}

impl fmt::Debug for ConnectConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio-postgres' Debug prints the password as `_`.
        f.debug_struct("ConnectConfig")
            .field("pg", &self.pg)
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_root_cert", &self.ssl_root_cert)
            .field("statement_cache_size", &self.statement_cache_size)
            .finish_non_exhaustive()
    }
}

impl FromStr for ConnectConfig {
    type Err = Error;

    fn from_str(s: &str) -> Result<ConnectConfig, Error> {
        ConnectConfig::parse(s)
    }
}

impl From<tokio_postgres::Config> for ConnectConfig {
    /// A configuration built in code: its `sslmode` (`disable`, `prefer` or `require`, no
    /// certificate checks), no environment fallback and no defaults.
    fn from(pg: tokio_postgres::Config) -> ConnectConfig {
        let ssl_mode = match pg.get_ssl_mode() {
            tokio_postgres::config::SslMode::Disable => SslMode::Disable,
            tokio_postgres::config::SslMode::Require => SslMode::Require,
            _ => SslMode::Prefer,
        };
        let mut config = ConnectConfig {
            pg,
            ssl_mode,
            ssl_root_cert: None,
            statement_cache_size: None,
            tls: OnceLock::new(),
        };
        config.sync_ssl();
        config
    }
}

impl ConnectConfig {
    /// Parses a URL or key=value string, with the process environment for what it leaves
    /// out. `""` is all environment and defaults.
    ///
    /// Fails with [`Error::Config`] naming the offending keyword (never echoing the string
    /// or the password), or when `sslrootcert` cannot be read.
    pub fn parse(s: &str) -> Result<ConnectConfig, Error> {
        ConnectConfig::parse_with_env(s, |var| std::env::var(var).ok())
    }

    /// The configuration from the `PG*` environment variables and libpq's defaults alone:
    /// `parse("")`.
    pub fn from_env() -> Result<ConnectConfig, Error> {
        ConnectConfig::parse("")
    }

    /// [`parse`](Self::parse) with `env` instead of the process environment: `env("PGHOST")`
    /// returns the variable's value. For tests, and for configuration systems that keep
    /// their own environment.
    ///
    /// ```
    /// use orm_runtime::ConnectConfig;
    ///
    /// let config = ConnectConfig::parse_with_env("dbname=shop", |var| match var {
    ///     "PGHOST" => Some("db.internal".to_owned()),
    ///     "PGUSER" => Some("app".to_owned()),
    ///     _ => None,
    /// })
    /// .unwrap();
    /// assert_eq!(config.pg_config().get_user(), Some("app"));
    /// assert_eq!(config.pg_config().get_dbname(), Some("shop"));
    /// ```
    pub fn parse_with_env(
        s: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ConnectConfig, Error> {
        let config = ConnectConfig::parse_with(s, env, Path::exists)?;
        let tls = config.build_tls().map_err(Error::Config)?;
        // A fresh OnceLock: set cannot fail.
        let _ = config.tls.set(tls);
        Ok(config)
    }

    /// [`parse_with_env`](Self::parse_with_env) with the file system check injected and no
    /// TLS set-up (which reads files): what the unit tests call.
    fn parse_with(
        s: &str,
        env: impl Fn(&str) -> Option<String>,
        exists: impl Fn(&Path) -> bool,
    ) -> Result<ConnectConfig, Error> {
        let s = s.trim();
        let mut params = if let Some(rest) = s
            .strip_prefix("postgres://")
            .or_else(|| s.strip_prefix("postgresql://"))
        {
            parse_url(rest)?
        } else {
            parse_dsn(s)?
        };
        params.check_keys()?;
        params.apply_env(&env);
        params.apply_defaults(&env, &exists);
        params.into_config(&env, &exists)
    }

    /// The tokio-postgres configuration (hosts, ports, user, timeouts...). Its `ssl_mode`
    /// is what tokio-postgres is asked to do: `require` for the verifying modes, `disable`
    /// when every host is a Unix socket.
    pub fn pg_config(&self) -> &tokio_postgres::Config {
        &self.pg
    }

    /// The `sslmode`, as given (`allow` reads as `prefer`).
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The root certificates the server's certificate must chain up to, if any.
    pub fn ssl_root_cert(&self) -> Option<&SslRootCert> {
        self.ssl_root_cert.as_ref()
    }

    /// `statement_cache_size`, when given: the per-connection prepared statement cache size,
    /// `0` for none.
    pub fn statement_cache_size(&self) -> Option<usize> {
        self.statement_cache_size
    }

    /// Sets the user name.
    pub fn with_user(mut self, user: &str) -> Self {
        self.pg.user(user);
        self
    }

    /// Sets the password.
    pub fn with_password(mut self, password: impl AsRef<[u8]>) -> Self {
        self.pg.password(password);
        self
    }

    /// Sets the database name.
    pub fn with_dbname(mut self, dbname: &str) -> Self {
        self.pg.dbname(dbname);
        self
    }

    /// Adds a host (tried in order); one starting with `/` is a Unix socket directory.
    pub fn with_host(mut self, host: &str) -> Self {
        self.pg.host(host);
        self.sync_ssl();
        self
    }

    /// Adds a port: one for all hosts, or one per host in the same order.
    pub fn with_port(mut self, port: u16) -> Self {
        self.pg.port(port);
        self
    }

    /// Sets `application_name` (shown in `pg_stat_activity`).
    pub fn with_application_name(mut self, name: &str) -> Self {
        self.pg.application_name(name);
        self
    }

    /// Sets the command-line options sent to the server, e.g. `-c statement_timeout=5s`.
    pub fn with_options(mut self, options: &str) -> Self {
        self.pg.options(options);
        self
    }

    /// Sets the time limit for opening one connection (per host).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.pg.connect_timeout(timeout);
        self
    }

    /// Sets which hosts of a list are acceptable (`read-write` finds the primary).
    pub fn with_target_session_attrs(mut self, attrs: TargetSessionAttrs) -> Self {
        self.pg.target_session_attrs(attrs);
        self
    }

    /// Sets the `sslmode`. A problem with the TLS set-up (say `verify-full` without root
    /// certificates) surfaces when connecting.
    pub fn with_ssl_mode(mut self, mode: SslMode) -> Self {
        self.ssl_mode = mode;
        self.sync_ssl();
        self
    }

    /// Sets the root certificates (`sslrootcert`); read when connecting.
    pub fn with_ssl_root_cert(mut self, roots: SslRootCert) -> Self {
        self.ssl_root_cert = Some(roots);
        self.sync_ssl();
        self
    }

    /// Sets the per-connection prepared statement cache size; `0` disables the cache.
    pub fn with_statement_cache_size(mut self, size: usize) -> Self {
        self.statement_cache_size = Some(size);
        self
    }

    /// Opens one connection and spawns its driver on the current tokio runtime; the
    /// `Client` works until dropped. For scripts, tests and one-off administration: it is
    /// not pooled. Server notices go to `tracing`, as on the pool's connections.
    pub async fn connect_raw(&self) -> Result<Client, Error> {
        let (client, connection) = self.connect().await.map_err(Error::from_connect)?;
        // Driven like the pool's connections: notices go to `tracing`.
        tokio::spawn(crate::pool::drive(connection, None));
        Ok(client)
    }

    /// Opens one connection: tries the hosts in order (honouring `target_session_attrs`),
    /// with TLS as `sslmode` says. The caller drives the returned `Connection`.
    pub(crate) async fn connect(
        &self,
    ) -> Result<(Client, Connection<Socket, TlsStream>), tokio_postgres::Error> {
        self.pg.connect(self.tls_connector()).await
    }

    /// The TLS connector, also for `CancelToken::cancel_query`. A TLS set-up that failed
    /// (unreadable `sslrootcert`) fails each connection attempt with the reason.
    #[cfg_attr(
        not(feature = "tls"),
        allow(
            clippy::clone_on_copy,
            reason = "NoTls is Copy, the rustls connector is not"
        )
    )]
    pub(crate) fn tls_connector(&self) -> TlsConnector {
        self.tls
            .get_or_init(|| match self.build_tls() {
                Ok(tls) => tls,
                #[cfg(feature = "tls")]
                Err(why) => TlsConnector::failed(&why),
                // Only `require`/`verify-*` fail here, and tokio-postgres refuses those
                // with NoTls by itself ("no TLS implementation configured").
                #[cfg(not(feature = "tls"))]
                Err(_) => tokio_postgres::NoTls,
            })
            .clone()
    }

    /// Tells tokio-postgres what to do, and forgets the TLS connector built for the
    /// previous settings.
    fn sync_ssl(&mut self) {
        use tokio_postgres::config::SslMode as PgSslMode;
        let hosts = self.pg.get_hosts();
        let sockets_only = !hosts.is_empty()
            && self.pg.get_hostaddrs().is_empty()
            && hosts.iter().all(|h| matches!(h, Host::Unix(_)));
        let mode = match self.ssl_mode {
            _ if sockets_only => PgSslMode::Disable,
            SslMode::Disable => PgSslMode::Disable,
            // Without TLS support, `prefer` can only mean plaintext.
            SslMode::Prefer if cfg!(feature = "tls") => PgSslMode::Prefer,
            SslMode::Prefer => PgSslMode::Disable,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
        };
        self.pg.ssl_mode(mode);
        self.tls = OnceLock::new();
    }

    /// The connector for the TLS settings, or why there cannot be one.
    fn build_tls(&self) -> Result<TlsConnector, String> {
        let mode = self.ssl_mode;
        if self.ssl_root_cert == Some(SslRootCert::System) && mode != SslMode::VerifyFull {
            return Err(format!(
                "weak sslmode `{mode}` may not be used with sslrootcert=system (use verify-full)"
            ));
        }
        if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && self.ssl_root_cert.is_none() {
            return Err(format!(
                "sslmode={mode} needs root certificates: set sslrootcert to a PEM file of CA \
                 certificates, or to `system` for the operating system's store (or create \
                 ~/.postgresql/root.crt)"
            ));
        }
        build_connector(mode, self.ssl_root_cert.as_ref())
    }
}

#[cfg(feature = "tls")]
fn build_connector(mode: SslMode, roots: Option<&SslRootCert>) -> Result<TlsConnector, String> {
    use crate::tls::{MakeRustlsConnect, Roots, Verify, client_config};
    let verify = match (mode, roots) {
        (SslMode::Disable, _) => return Ok(MakeRustlsConnect::disabled()),
        (SslMode::Prefer | SslMode::Require, None) => Verify::Nothing,
        (SslMode::Prefer | SslMode::Require | SslMode::VerifyCa, _) => Verify::Chain,
        (SslMode::VerifyFull, _) => Verify::Full,
    };
    let roots = roots.map(|roots| match roots {
        SslRootCert::File(path) => Roots::File(path),
        SslRootCert::System => Roots::System,
    });
    let config = client_config(verify, roots)?;
    Ok(MakeRustlsConnect::new(config, verify == Verify::Full))
}

#[cfg(not(feature = "tls"))]
fn build_connector(mode: SslMode, _roots: Option<&SslRootCert>) -> Result<TlsConnector, String> {
    match mode {
        SslMode::Disable | SslMode::Prefer => Ok(tokio_postgres::NoTls),
        _ => Err(format!(
            "sslmode={mode} needs TLS, and mapped was built without the `tls` feature"
        )),
    }
}

/// Where a setting came from, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    String,
    Env(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::String => Ok(()),
            Source::Env(var) => write!(f, " (from {var})"),
        }
    }
}

/// The keyword/value pairs of a connection string, in order, each keyword once.
#[derive(Debug, Default)]
struct Params(Vec<(String, String, Source)>);

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
    }

    fn take(&mut self, key: &str) -> Option<(String, Source)> {
        let i = self.0.iter().position(|(k, _, _)| k == key)?;
        let (_, value, source) = self.0.remove(i);
        Some((value, source))
    }

    /// Adds a setting from the string; an empty value counts as not given.
    fn insert(&mut self, key: &str, value: String) -> Result<(), Error> {
        if self.0.iter().any(|(k, _, _)| k == key) {
            return Err(Error::Config(format!(
                "connection parameter `{key}` is given more than once"
            )));
        }
        if !value.is_empty() {
            self.0.push((key.to_owned(), value, Source::String));
        }
        Ok(())
    }

    fn check_keys(&self) -> Result<(), Error> {
        for (key, _, _) in &self.0 {
            let key = key.as_str();
            if PASSED_THROUGH.contains(&key) || INTERCEPTED.contains(&key) {
                continue;
            }
            return Err(Error::Config(if UNSUPPORTED.contains(&key) {
                format!("connection parameter `{key}` is not supported by mapped")
            } else {
                format!("unknown connection parameter `{key}`")
            }));
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        for &(key, var) in ENV_VARS {
            if self.get(key).is_none()
                && let Some(value) = env(var).filter(|v| !v.is_empty())
            {
                self.0.push((key.to_owned(), value, Source::Env(var)));
            }
        }
    }

    fn apply_defaults(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
        exists: &impl Fn(&Path) -> bool,
    ) {
        if self.get("user").is_none()
            && let Some((var, user)) = ["USER", "LOGNAME"]
                .into_iter()
                .find_map(|var| Some((var, env(var).filter(|v| !v.is_empty())?)))
        {
            self.0.push(("user".into(), user, Source::Env(var)));
        }
        if self.get("host").is_none() && self.get("hostaddr").is_none() {
            let port = self
                .get("port")
                .and_then(|ports| ports.split(',').next())
                .and_then(|port| port.parse::<u16>().ok())
                .unwrap_or(5432);
            let host = SOCKET_DIRS
                .iter()
                .find(|dir| exists(&Path::new(dir).join(format!(".s.PGSQL.{port}"))))
                .copied()
                .unwrap_or("localhost");
            self.0.push(("host".into(), host.into(), Source::String));
        }
    }

    /// Takes out what tokio-postgres does not parse, and hands it the rest.
    fn into_config(
        mut self,
        env: &impl Fn(&str) -> Option<String>,
        exists: &impl Fn(&Path) -> bool,
    ) -> Result<ConnectConfig, Error> {
        if self.get("user").is_none() {
            return Err(Error::Config(
                "no user name: give `user` in the connection string, or set PGUSER (USER and \
                 LOGNAME are not set either)"
                    .into(),
            ));
        }
        let explicit_mode = self.take("sslmode");
        let mut ssl_mode = match &explicit_mode {
            None => SslMode::Prefer,
            Some((value, source)) => SslMode::parse(value).ok_or_else(|| {
                Error::Config(format!(
                    "invalid sslmode `{value}`{source}: expected disable, allow, prefer, \
                     require, verify-ca or verify-full"
                ))
            })?,
        };
        let mut ssl_root_cert = self
            .take("sslrootcert")
            .map(|(v, _)| SslRootCert::parse(&v));
        if ssl_root_cert.is_none()
            && ssl_mode != SslMode::Disable
            && let Some(home) = env("HOME").filter(|h| !h.is_empty())
        {
            // libpq's default root certificate file, used when it exists.
            let default = Path::new(&home).join(".postgresql/root.crt");
            if exists(&default) {
                ssl_root_cert = Some(SslRootCert::File(default));
            }
        }
        if ssl_root_cert == Some(SslRootCert::System) && explicit_mode.is_none() {
            // As libpq: the system store is only meaningful with a host name check.
            ssl_mode = SslMode::VerifyFull;
        }
        let statement_cache_size = match self.take("statement_cache_size") {
            None => None,
            Some((value, _)) => Some(value.parse::<usize>().map_err(|_| {
                Error::Config(format!(
                    "invalid statement_cache_size `{value}`: expected a number (0 disables \
                     the cache)"
                ))
            })?),
        };
        if let Some((value, _)) = self.take("client_encoding") {
            let utf8 = ["utf8", "utf-8", "unicode"]
                .iter()
                .any(|v| value.eq_ignore_ascii_case(v));
            if !utf8 {
                return Err(Error::Config(format!(
                    "client_encoding `{value}` is not supported: tokio-postgres always uses UTF8"
                )));
            }
        }
        if let Some((name, _)) = self.take("fallback_application_name")
            && self.get("application_name").is_none()
        {
            self.0
                .push(("application_name".into(), name, Source::String));
        }
        if let Some((value, source)) = self
            .0
            .iter()
            .find(|(k, _, _)| k == "target_session_attrs")
            .map(|(_, v, s)| (v.as_str(), *s))
        {
            check_target_session_attrs(value, source)?;
        }
        self.check_port_count()?;

        // Hand the rest to tokio-postgres' key=value parser, re-quoted. Its errors name the
        // keyword, never the value.
        let mut dsn = String::new();
        for (key, value, _) in &self.0 {
            if !dsn.is_empty() {
                dsn.push(' ');
            }
            dsn.push_str(key);
            dsn.push_str("='");
            for c in value.chars() {
                if c == '\'' || c == '\\' {
                    dsn.push('\\');
                }
                dsn.push(c);
            }
            dsn.push('\'');
        }
        let pg = tokio_postgres::Config::from_str(&dsn).map_err(|e| {
            let mut msg = e.to_string();
            if let Some(cause) = std::error::Error::source(&e) {
                msg.push_str(": ");
                msg.push_str(&cause.to_string());
            }
            Error::Config(msg)
        })?;
        let mut config = ConnectConfig {
            pg,
            ssl_mode,
            ssl_root_cert,
            statement_cache_size,
            tls: OnceLock::new(),
        };
        config.sync_ssl();
        Ok(config)
    }

    /// One port for all hosts, or one per host (tokio-postgres would say so only when
    /// connecting).
    fn check_port_count(&self) -> Result<(), Error> {
        let count = |key: &str| self.get(key).map_or(0, |v| v.split(',').count());
        let ports = count("port");
        let hosts = count("host").max(count("hostaddr"));
        if ports > 1 && ports != hosts {
            return Err(Error::Config(format!(
                "{ports} ports for {hosts} hosts: give one port for all hosts, or one per host"
            )));
        }
        Ok(())
    }
}

fn check_target_session_attrs(value: &str, source: Source) -> Result<(), Error> {
    match value {
        "any" | "read-write" | "read-only" => Ok(()),
        "primary" | "standby" | "prefer-standby" => Err(Error::Config(format!(
            "target_session_attrs={value}{source} is not supported: tokio-postgres knows only \
             any, read-write and read-only (read-write finds a primary unless \
             default_transaction_read_only is on)"
        ))),
        _ => Err(Error::Config(format!(
            "invalid target_session_attrs `{value}`{source}: expected any, read-write or \
             read-only"
        ))),
    }
}

/// A URL after its `postgres://` scheme.
fn parse_url(rest: &str) -> Result<Params, Error> {
    let mut params = Params::default();
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = before_query.split_once('/').unwrap_or((before_query, ""));

    // user[:password]@ (the last `@`, so that an unencoded `@` in the password works).
    let hostspec = match authority.rsplit_once('@') {
        Some((userinfo, hostspec)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (userinfo, None),
            };
            params.insert("user", decode(user, "the user name")?)?;
            if let Some(password) = password {
                params.insert("password", decode(password, "the password")?)?;
            }
            hostspec
        }
        None => authority,
    };

    // host[:port],host[:port],...
    let mut url_hosts = Vec::new();
    if !hostspec.is_empty() {
        for entry in hostspec.split(',') {
            let (host, port) = split_host_port(entry, false)?;
            url_hosts.push((decode(host, "a host name")?, port.map(str::to_owned)));
        }
    }

    if !path.is_empty() {
        params.insert("dbname", decode(path, "the database name")?)?;
    }

    let mut query_hosts = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Error::Config(format!(
                "URL query parameter `{}` has no value",
                decode(pair, "a query parameter name")?
            )));
        };
        let key = decode(key, "a query parameter name")?;
        let value = decode(value, &format!("the value of `{key}`"))?;
        if key == "host" {
            // Repeated `host=` parameters (SQLAlchemy's form), each a libpq list.
            for entry in value.split(',').filter(|_| !value.is_empty()) {
                let (host, port) = split_host_port(entry, true)?;
                query_hosts.push((host.to_owned(), port.map(str::to_owned)));
            }
        } else {
            params.insert(&key, value)?;
        }
    }

    if !url_hosts.is_empty() && !query_hosts.is_empty() {
        return Err(Error::Config(
            "the host is given both in the URL (before the path) and in `?host=`; libpq would \
             silently ignore one of them: give it once"
                .into(),
        ));
    }
    let hosts = if url_hosts.is_empty() {
        query_hosts
    } else {
        url_hosts
    };
    if !hosts.is_empty() {
        let inline_ports = hosts.iter().any(|(_, port)| port.is_some());
        if inline_ports && params.get("port").is_some() {
            return Err(Error::Config(
                "ports are given both with the hosts (`host:port`) and in `?port=`: give them \
                 once"
                    .into(),
            ));
        }
        let join = |part: fn(&(String, Option<String>)) -> &str| {
            hosts.iter().map(part).collect::<Vec<_>>().join(",")
        };
        params.insert("host", join(|(host, _)| host))?;
        if inline_ports {
            params.insert("port", join(|(_, port)| port.as_deref().unwrap_or("")))?;
        }
    }
    Ok(params)
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; in a query value also a bare IPv6 address and a
/// socket directory (`/dir`, never split). An empty port is no port.
fn split_host_port(entry: &str, in_query: bool) -> Result<(&str, Option<&str>), Error> {
    let (host, port) = if let Some(bracketed) = entry.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(Error::Config(
                "unterminated `[` in an IPv6 host address".into(),
            ));
        };
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| {
                Error::Config("unexpected characters after `]` in an IPv6 host address".into())
            })?),
        };
        (host, port)
    } else if in_query && (entry.starts_with('/') || entry.matches(':').count() > 1) {
        (entry, None)
    } else {
        match entry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (entry, None),
        }
    };
    if host.is_empty() {
        return Err(Error::Config("an empty host name in a host list".into()));
    }
    Ok((host, port.filter(|p| !p.is_empty())))
}

/// Percent-decoding; `what` names the part for the error (never its text).
fn decode(s: &str, what: &str) -> Result<String, Error> {
    let bad = || Error::Config(format!("invalid percent-encoding in {what}"));
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::Config(format!("{what} is not UTF-8")))
}

/// A libpq key=value string: `key=value key='quoted \' value'`.
fn parse_dsn(s: &str) -> Result<Params, Error> {
    let mut params = Params::default();
    let mut chars = s.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut end = s.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                end = i;
                break;
            }
            chars.next();
        }
        let key = &s[start..end];
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if chars.next_if(|&(_, c)| c == '=').is_none() {
            // The word is not shown: it could be a stray part of a password.
            return Err(Error::Config(format!(
                "invalid connection string: missing `=` after the keyword at byte {start} \
                 (expected key=value pairs or a postgres:// URL)"
            )));
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|&(_, c)| c == '\'').is_some() {
            loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, '\\')) => value.extend(chars.next().map(|(_, c)| c)),
                    Some((_, c)) => value.push(c),
                    None => {
                        return Err(Error::Config(format!(
                            "invalid connection string: unterminated quoted value for `{key}`"
                        )));
                    }
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next().map(|(_, c)| c));
                } else {
                    value.push(c);
                }
            }
        }
        params.insert(key, value)?;
    }
    Ok(params)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;

    /// An environment of `vars` only.
    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |var| {
            vars.iter()
                .find(|(k, _)| *k == var)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    /// Parses with only `USER=me` in the environment and no socket files.
    fn parse(s: &str) -> ConnectConfig {
        ConnectConfig::parse_with(s, env(&[("USER", "me")]), |_| false)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn parse_err(s: &str) -> String {
        match ConnectConfig::parse_with(s, env(&[("USER", "me")]), |_| false) {
            Ok(config) => panic!("{s} parsed: {config:?}"),
            Err(Error::Config(msg)) => msg,
            Err(e) => panic!("{s}: not a config error: {e:?}"),
        }
    }

    fn tcp(hosts: &[&str]) -> Vec<Host> {
        hosts.iter().map(|h| Host::Tcp((*h).to_owned())).collect()
    }

    #[test]
    fn url_with_everything() {
        let c = parse(
            "postgres://app:s%40cret@db.example:6432/shop?sslmode=require\
             &application_name=web&options=-c%20statement_timeout%3D1234&connect_timeout=7",
        );
        let pg = c.pg_config();
        assert_eq!(pg.get_user(), Some("app"));
        assert_eq!(pg.get_password(), Some(&b"s@cret"[..]));
        assert_eq!(pg.get_hosts(), tcp(&["db.example"]));
        assert_eq!(pg.get_ports(), [6432]);
        assert_eq!(pg.get_dbname(), Some("shop"));
        assert_eq!(pg.get_application_name(), Some("web"));
        assert_eq!(pg.get_options(), Some("-c statement_timeout=1234"));
        assert_eq!(pg.get_connect_timeout(), Some(&Duration::from_secs(7)));
        assert_eq!(c.ssl_mode(), SslMode::Require);
        assert_eq!(pg.get_ssl_mode(), tokio_postgres::config::SslMode::Require);
        assert_eq!(c.statement_cache_size(), None);
    }

    #[test]
    fn postgresql_scheme_and_unencoded_at_in_password() {
        let c = parse("postgresql://u:p@ss@h/d");
        assert_eq!(c.pg_config().get_password(), Some(&b"p@ss"[..]));
        assert_eq!(c.pg_config().get_hosts(), tcp(&["h"]));
    }

    #[test]
    fn ipv6_hosts() {
        let c = parse("postgres://u@[::1]:5433,[fe80::1]/d");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["::1", "fe80::1"]));
        assert_eq!(c.pg_config().get_ports(), [5433, 5432]);
        let c = parse("postgres://u@/d?host=::1&host=[::2]:7");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["::1", "::2"]));
        assert_eq!(c.pg_config().get_ports(), [5432, 7]);
        assert!(parse_err("postgres://u@[::1/d").contains("unterminated `[`"));
    }

    #[test]
    fn several_hosts_in_the_authority() {
        let c = parse("postgres://u@h1:5432,h2:5433/d");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["h1", "h2"]));
        assert_eq!(c.pg_config().get_ports(), [5432, 5433]);
        // A host without its port gets the default one.
        let c = parse("postgres://u@h1,h2:5433/d");
        assert_eq!(c.pg_config().get_ports(), [5432, 5433]);
        // No ports at all: one default port for every host.
        let c = parse("postgres://u@h1,h2/d");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["h1", "h2"]));
        assert!(c.pg_config().get_ports().is_empty());
    }

    #[test]
    fn repeated_host_query_parameters() {
        let c = parse("postgres://u@/d?host=HostA:6000&host=HostB&host=HostC:6002");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["HostA", "HostB", "HostC"]));
        assert_eq!(c.pg_config().get_ports(), [6000, 5432, 6002]);
    }

    #[test]
    fn libpq_host_and_port_lists() {
        let c = parse("postgres://u@/d?host=HostA,HostB,HostC&port=6000,,6002");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["HostA", "HostB", "HostC"]));
        assert_eq!(c.pg_config().get_ports(), [6000, 5432, 6002]);
        let c = parse("host=a,b,c port=5432,,5433 user=u");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["a", "b", "c"]));
        assert_eq!(c.pg_config().get_ports(), [5432, 5432, 5433]);
        assert!(parse_err("host=a,b port=1,2,3 user=u").contains("3 ports for 2 hosts"));
    }

    #[test]
    fn host_in_authority_and_query_is_refused() {
        let msg = parse_err("postgres://u@myhost1/d?host=myhost2");
        assert!(msg.contains("both in the URL"), "{msg}");
        let msg = parse_err("postgres://u@/d?host=a:1&port=2");
        assert!(msg.contains("`?port=`"), "{msg}");
        let msg = parse_err("postgres://u@h:1/d?port=2");
        assert!(msg.contains("`?port=`"), "{msg}");
        let msg = parse_err("postgres://u@h/d?user=v");
        assert!(msg.contains("`user` is given more than once"), "{msg}");
    }

    #[test]
    fn unix_sockets() {
        let c = parse("postgres://u@/d?host=/var/lib/postgresql");
        assert_eq!(
            c.pg_config().get_hosts(),
            [Host::Unix("/var/lib/postgresql".into())]
        );
        // Percent-encoded in the authority, as libpq allows.
        let c = parse("postgresql://%2Fvar%2Flib%2Fpostgresql:5433/d");
        assert_eq!(
            c.pg_config().get_hosts(),
            [Host::Unix("/var/lib/postgresql".into())]
        );
        assert_eq!(c.pg_config().get_ports(), [5433]);
        // TLS is never attempted over a socket, whatever the sslmode.
        let c = parse("host=/tmp user=u sslmode=require");
        assert_eq!(c.ssl_mode(), SslMode::Require);
        assert_eq!(
            c.pg_config().get_ssl_mode(),
            tokio_postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn no_host_means_the_socket_directory_that_has_the_socket() {
        let with = |socket: &'static str| {
            ConnectConfig::parse_with("postgres://u@/d?port=5433", env(&[]), move |p| {
                p == Path::new(socket)
            })
            .unwrap()
        };
        let c = with("/tmp/.s.PGSQL.5433");
        assert_eq!(c.pg_config().get_hosts(), [Host::Unix("/tmp".into())]);
        let c = with("/var/run/postgresql/.s.PGSQL.5433");
        assert_eq!(
            c.pg_config().get_hosts(),
            [Host::Unix("/var/run/postgresql".into())]
        );
        // The socket of another port does not count.
        let c = with("/tmp/.s.PGSQL.5432");
        assert_eq!(c.pg_config().get_hosts(), tcp(&["localhost"]));
    }

    #[test]
    fn key_value_quoting() {
        let c = parse(r"host=localhost user=app dbname = app password='a b\'c' options=-c\ x=1");
        assert_eq!(c.pg_config().get_password(), Some(&b"a b'c"[..]));
        assert_eq!(c.pg_config().get_dbname(), Some("app"));
        assert_eq!(c.pg_config().get_options(), Some("-c x=1"));
        // Empty values count as not given.
        let c = parse("user=u dbname=''");
        assert_eq!(c.pg_config().get_dbname(), None);
        let msg = parse_err("user=u password='open");
        assert!(
            msg.contains("unterminated quoted value for `password`"),
            "{msg}"
        );
        assert!(!msg.contains("open"), "{msg}");
    }

    #[test]
    fn errors_never_show_the_password() {
        for s in [
            "user=u password=hunter2 extra",
            "user=u password = hunter2 word",
            "postgres://u:hunter2%zz@h/d",
            "postgres://u:hunter2@h:notaport/d",
            "postgres://u:hunter2@h/d?nonsense=1",
            "postgres://u:hunter2@h/d?sslmode=bogus",
        ] {
            let msg = parse_err(s);
            assert!(!msg.contains("hunter2"), "{s}: {msg}");
        }
        assert!(parse_err("postgres://u:hunter2%zz@h/d").contains("in the password"));
        assert!(parse_err("postgres://u@h:notaport/d").contains("`port`"));
    }

    #[test]
    fn unknown_and_unsupported_keywords() {
        let msg = parse_err("postgres://u@h/d?colour=blue");
        assert_eq!(msg, "unknown connection parameter `colour`");
        let msg = parse_err("user=u sslcert=/x.pem");
        assert_eq!(
            msg,
            "connection parameter `sslcert` is not supported by mapped"
        );
        let msg = parse_err("postgres://u@h/d?flag");
        assert!(msg.contains("`flag` has no value"), "{msg}");
        let msg = parse_err("user=u user=v");
        assert!(msg.contains("`user` is given more than once"), "{msg}");
    }

    #[test]
    fn ssl_modes() {
        let mode = |s: &str| parse(&format!("user=u host=h sslmode={s}")).ssl_mode();
        assert_eq!(mode("disable"), SslMode::Disable);
        assert_eq!(mode("allow"), SslMode::Prefer);
        assert_eq!(mode("prefer"), SslMode::Prefer);
        assert_eq!(mode("require"), SslMode::Require);
        assert_eq!(mode("verify-ca"), SslMode::VerifyCa);
        assert_eq!(mode("verify-full"), SslMode::VerifyFull);
        assert_eq!(parse("user=u host=h").ssl_mode(), SslMode::Prefer);
        let pg = |s: &str| {
            parse(&format!("user=u host=h sslmode={s}"))
                .pg_config()
                .get_ssl_mode()
        };
        use tokio_postgres::config::SslMode as Pg;
        assert_eq!(pg("disable"), Pg::Disable);
        assert_eq!(pg("verify-full"), Pg::Require);
        if cfg!(feature = "tls") {
            assert_eq!(pg("prefer"), Pg::Prefer);
        } else {
            assert_eq!(pg("prefer"), Pg::Disable);
        }
        let msg = parse_err("user=u sslmode=bogus");
        assert!(msg.starts_with("invalid sslmode `bogus`"), "{msg}");
    }

    #[test]
    fn ssl_root_certificates() {
        let c = parse("user=u host=h sslmode=verify-ca sslrootcert=/etc/ca.pem");
        assert_eq!(
            c.ssl_root_cert(),
            Some(&SslRootCert::File("/etc/ca.pem".into()))
        );
        // sslrootcert=system implies verify-full, and refuses weaker modes (as libpq).
        let c = parse("user=u host=h sslrootcert=system");
        assert_eq!(c.ssl_root_cert(), Some(&SslRootCert::System));
        assert_eq!(c.ssl_mode(), SslMode::VerifyFull);
        let c = parse("user=u host=h sslrootcert=system sslmode=require");
        let msg = c.build_tls().unwrap_err();
        assert!(msg.contains("weak sslmode `require`"), "{msg}");
        // verify-* without roots.
        let c = parse("user=u host=h sslmode=verify-full");
        let msg = c.build_tls().unwrap_err();
        assert!(msg.contains("needs root certificates"), "{msg}");
        // libpq's default file, when it exists.
        let c = ConnectConfig::parse_with(
            "user=u host=h sslmode=verify-ca",
            env(&[("HOME", "/home/me")]),
            |p| p == Path::new("/home/me/.postgresql/root.crt"),
        )
        .unwrap();
        assert_eq!(
            c.ssl_root_cert(),
            Some(&SslRootCert::File("/home/me/.postgresql/root.crt".into()))
        );
    }

    #[cfg(not(feature = "tls"))]
    #[test]
    fn without_the_tls_feature_require_is_refused() {
        let c = parse("user=u host=h sslmode=require");
        let msg = c.build_tls().unwrap_err();
        assert!(msg.contains("without the `tls` feature"), "{msg}");
        assert!(parse("user=u host=h").build_tls().is_ok());
    }

    #[test]
    fn target_session_attrs() {
        let c = parse("user=u host=a,b target_session_attrs=read-write");
        assert_eq!(
            c.pg_config().get_target_session_attrs(),
            TargetSessionAttrs::ReadWrite
        );
        let msg = parse_err("user=u target_session_attrs=primary");
        assert!(
            msg.contains("not supported: tokio-postgres knows only"),
            "{msg}"
        );
        let msg = ConnectConfig::parse_with(
            "user=u",
            env(&[("PGTARGETSESSIONATTRS", "prefer-standby")]),
            |_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("prefer-standby (from PGTARGETSESSIONATTRS)"),
            "{msg}"
        );
    }

    #[test]
    fn statement_cache_size() {
        let c = parse("postgres://u@h/d?statement_cache_size=0");
        assert_eq!(c.statement_cache_size(), Some(0));
        assert_eq!(
            parse("user=u statement_cache_size=250").statement_cache_size(),
            Some(250)
        );
        let msg = parse_err("user=u statement_cache_size=-1");
        assert!(
            msg.starts_with("invalid statement_cache_size `-1`"),
            "{msg}"
        );
    }

    #[test]
    fn client_encoding_and_fallback_application_name() {
        let c = parse("user=u client_encoding=UTF8 fallback_application_name=tool");
        assert_eq!(c.pg_config().get_application_name(), Some("tool"));
        let c = parse("user=u application_name=app fallback_application_name=tool");
        assert_eq!(c.pg_config().get_application_name(), Some("app"));
        let msg = parse_err("user=u client_encoding=latin1");
        assert!(msg.contains("always uses UTF8"), "{msg}");
    }

    #[test]
    fn environment_fills_what_the_string_leaves_out() {
        let vars = [
            ("PGHOST", "envhost"),
            ("PGPORT", "6543"),
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envpw"),
            ("PGDATABASE", "envdb"),
            ("PGSSLMODE", "disable"),
            ("PGAPPNAME", "envapp"),
            ("PGCONNECT_TIMEOUT", "3"),
            ("PGOPTIONS", "-c work_mem=64MB"),
            ("PGSSLROOTCERT", "/env/ca.pem"),
            ("PGTARGETSESSIONATTRS", "read-only"),
            ("USER", "osuser"),
        ];
        let c = ConnectConfig::parse_with("", env(&vars), |_| false).unwrap();
        let pg = c.pg_config();
        assert_eq!(pg.get_hosts(), tcp(&["envhost"]));
        assert_eq!(pg.get_ports(), [6543]);
        assert_eq!(pg.get_user(), Some("envuser"));
        assert_eq!(pg.get_password(), Some(&b"envpw"[..]));
        assert_eq!(pg.get_dbname(), Some("envdb"));
        assert_eq!(c.ssl_mode(), SslMode::Disable);
        assert_eq!(pg.get_application_name(), Some("envapp"));
        assert_eq!(pg.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(pg.get_options(), Some("-c work_mem=64MB"));
        assert_eq!(
            c.ssl_root_cert(),
            Some(&SslRootCert::File("/env/ca.pem".into()))
        );
        assert_eq!(pg.get_target_session_attrs(), TargetSessionAttrs::ReadOnly);

        // The string wins over the environment.
        let c =
            ConnectConfig::parse_with("postgres://u@h:1/d?sslmode=require", env(&vars), |_| false)
                .unwrap();
        assert_eq!(c.pg_config().get_hosts(), tcp(&["h"]));
        assert_eq!(c.pg_config().get_ports(), [1]);
        assert_eq!(c.pg_config().get_user(), Some("u"));
        assert_eq!(c.pg_config().get_dbname(), Some("d"));
        assert_eq!(c.ssl_mode(), SslMode::Require);
        // ...but fills in what it leaves out.
        assert_eq!(c.pg_config().get_password(), Some(&b"envpw"[..]));

        let msg =
            ConnectConfig::parse_with("", env(&[("PGSSLMODE", "nope"), ("USER", "u")]), |_| false)
                .unwrap_err()
                .to_string();
        assert!(msg.contains("`nope` (from PGSSLMODE)"), "{msg}");
    }

    #[test]
    fn defaults() {
        let c = ConnectConfig::parse_with("", env(&[("LOGNAME", "logname")]), |_| false).unwrap();
        assert_eq!(c.pg_config().get_user(), Some("logname"));
        assert_eq!(c.pg_config().get_hosts(), tcp(&["localhost"]));
        assert!(c.pg_config().get_ports().is_empty());
        assert_eq!(c.ssl_mode(), SslMode::Prefer);
        let err = ConnectConfig::parse_with("", env(&[]), |_| false).unwrap_err();
        assert!(err.to_string().contains("no user name"), "{err}");
    }

    #[test]
    fn configs_and_connectors_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<ConnectConfig>();
        send_sync::<TlsConnector>();
        send_sync::<TlsStream>();
    }

    #[test]
    fn debug_redacts_the_password() {
        let c = parse("postgres://u:hunter2@h/d");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password: Some(_)"), "{shown}");
    }

    #[test]
    fn builder_setters_and_code_built_configs() {
        let mut pg = tokio_postgres::Config::new();
        pg.user("u")
            .host("h")
            .ssl_mode(tokio_postgres::config::SslMode::Require);
        let c = ConnectConfig::from(pg)
            .with_application_name("app")
            .with_options("-c x=1")
            .with_statement_cache_size(0)
            .with_ssl_root_cert(SslRootCert::File("/ca.pem".into()))
            .with_ssl_mode(SslMode::VerifyFull);
        assert_eq!(c.ssl_mode(), SslMode::VerifyFull);
        assert_eq!(c.pg_config().get_application_name(), Some("app"));
        assert_eq!(c.pg_config().get_options(), Some("-c x=1"));
        assert_eq!(c.statement_cache_size(), Some(0));
        assert_eq!(
            c.pg_config().get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        let c = c.with_ssl_mode(SslMode::Disable);
        assert_eq!(
            c.pg_config().get_ssl_mode(),
            tokio_postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn parse_reports_an_unreadable_root_certificate() {
        let err = ConnectConfig::parse_with_env(
            "user=u host=h sslmode=verify-full sslrootcert=/nonexistent/ca.pem",
            |_| None,
        )
        .unwrap_err();
        let msg = err.to_string();
        if cfg!(feature = "tls") {
            assert!(
                msg.contains("cannot read sslrootcert /nonexistent/ca.pem"),
                "{msg}"
            );
        } else {
            assert!(msg.contains("without the `tls` feature"), "{msg}");
        }
    }
}
