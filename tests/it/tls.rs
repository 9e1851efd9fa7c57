//! `ConnectConfig` against real servers: TLS modes and certificate checks (on a local server
//! of its own with `ssl = on` and a throwaway CA), SCRAM channel binding, Unix sockets,
//! host lists, and URL settings reaching the session.

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mapped::orm_runtime::{ConnectConfig, Error, LocalServer, tokio_postgres};
use tokio::sync::OnceCell;

use crate::support::server_url;

/// A local server with `ssl = on`, its certificate signed by `ca`; `other_ca` signed nothing.
struct TlsServer {
    server: LocalServer,
    ca: PathBuf,
    other_ca: PathBuf,
}

/// The role that must log in with SCRAM over TLS (pg_hba `hostssl ... scram-sha-256`).
const SCRAM_USER: &str = "scram_user";
const SCRAM_PASSWORD: &str = "pw 'with' quotes";

/// The process-wide TLS server, started and configured by the first test that needs it.
async fn tls_server() -> &'static TlsServer {
    static SERVER: OnceCell<TlsServer> = OnceCell::const_new();
    SERVER.get_or_init(start_tls_server).await
}

async fn start_tls_server() -> TlsServer {
    let server = tokio::task::spawn_blocking(LocalServer::start)
        .await
        .expect("the server start-up task panicked")
        .unwrap_or_else(|e| panic!("cannot start a local server: {e}"));
    let certs = server.dir().join("tls");
    fs::create_dir(&certs).unwrap();
    make_certificates(&certs);
    // The server runs as the owner of its directory (`postgres` when we are root) and
    // accepts only a key of its own user with mode 0600.
    let owner = fs::metadata(server.dir()).unwrap();
    for file in ["server.crt", "server.key"] {
        let path = certs.join(file);
        std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    fs::set_permissions(certs.join("server.key"), fs::Permissions::from_mode(0o600)).unwrap();

    // A role that has to use SCRAM over TLS, so that channel binding is exercised: the
    // first matching pg_hba line wins.
    let hba = server.dir().join("data/pg_hba.conf");
    let rules = fs::read_to_string(&hba).unwrap();
    fs::write(
        &hba,
        format!("hostssl all {SCRAM_USER} 127.0.0.1/32 scram-sha-256\n{rules}"),
    )
    .unwrap();

    let admin = connect(&format!("{} sslmode=disable", dsn(&server)))
        .await
        .unwrap();
    let crt = certs.join("server.crt");
    let key = certs.join("server.key");
    // One statement at a time: ALTER SYSTEM refuses to run in the implicit transaction
    // of a multi-statement query.
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{}'", crt.display()),
        format!("ALTER SYSTEM SET ssl_key_file = '{}'", key.display()),
        "ALTER SYSTEM SET ssl = on".to_owned(),
        "SET password_encryption = 'scram-sha-256'".to_owned(),
        format!(
            "CREATE ROLE {SCRAM_USER} LOGIN PASSWORD '{}'",
            SCRAM_PASSWORD.replace('\'', "''")
        ),
        "SELECT pg_reload_conf()".to_owned(),
    ] {
        admin.batch_execute(&sql).await.unwrap();
    }
    // The postmaster applies the reload asynchronously: wait until new sessions see it.
    for _ in 0..100 {
        let client = connect(&format!("{} sslmode=disable", dsn(&server)))
            .await
            .unwrap();
        let row = client.query_one("SHOW ssl", &[]).await.unwrap();
        if row.get::<_, String>(0) == "on" {
            return TlsServer {
                ca: certs.join("ca.crt"),
                other_ca: certs.join("other-ca.crt"),
                server,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the server did not turn ssl on; its log is in {}",
        server.dir().join("log").display()
    );
}

/// A CA, a server certificate for `localhost` signed by it, and an unrelated CA; EC keys,
/// valid for two days.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run openssl: {e}"));
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for (name, cn) in [("ca", "mapped test CA"), ("other-ca", "mapped other CA")] {
        let (key, crt, subj) = (
            format!("{name}.key"),
            format!("{name}.crt"),
            format!("/CN={cn}"),
        );
        let mut args = vec!["req", "-x509", "-days", "2", "-subj", &subj];
        args.extend(ec);
        args.extend(["-keyout", &key, "-out", &crt]);
        args.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
        args.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        openssl(&args);
    }
    let mut args = vec!["req", "-subj", "/CN=localhost", "-keyout", "server.key"];
    args.extend(ec);
    args.extend(["-out", "server.csr"]);
    openssl(&args);
    fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
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
    ]);
}

/// `user=postgres dbname=postgres port=<port>` (the caller adds the host and TLS settings).
fn dsn(server: &LocalServer) -> String {
    format!(
        "host=127.0.0.1 user=postgres dbname=postgres port={}",
        server.port()
    )
}

/// Connects with no help from the environment.
async fn connect(s: &str) -> Result<tokio_postgres::Client, Error> {
    ConnectConfig::parse_with_env(s, |_| None)?
        .connect_raw()
        .await
}

/// Whether the session is encrypted, as the server sees it.
async fn uses_tls(client: &tokio_postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

/// The error of a connection attempt that must fail, with its whole chain.
async fn connect_err(s: &str) -> String {
    match connect(s).await {
        Ok(_) => panic!("connected: {s}"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn require_encrypts_without_checking_the_certificate() {
    let tls = tls_server().await;
    let client = connect(&format!("{} sslmode=require", dsn(&tls.server)))
        .await
        .unwrap();
    assert!(uses_tls(&client).await);
}

#[tokio::test]
async fn prefer_uses_tls_when_the_server_offers_it() {
    let tls = tls_server().await;
    let client = connect(&format!("{} sslmode=prefer", dsn(&tls.server)))
        .await
        .unwrap();
    assert!(uses_tls(&client).await);
    // prefer is the default.
    let client = connect(&dsn(&tls.server)).await.unwrap();
    assert!(uses_tls(&client).await);
}

#[tokio::test]
async fn disable_stays_in_plaintext() {
    let tls = tls_server().await;
    let client = connect(&format!("{} sslmode=disable", dsn(&tls.server)))
        .await
        .unwrap();
    assert!(!uses_tls(&client).await);
}

#[tokio::test]
async fn verify_full_accepts_the_right_ca_and_host_name() {
    let tls = tls_server().await;
    let url = format!(
        "postgres://postgres@localhost:{}/postgres?sslmode=verify-full&sslrootcert={}",
        tls.server.port(),
        tls.ca.display()
    );
    let client = connect(&url).await.unwrap();
    assert!(uses_tls(&client).await);
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_for_another_name() {
    let tls = tls_server().await;
    let msg = connect_err(&format!(
        "{} sslmode=verify-full sslrootcert={}",
        dsn(&tls.server),
        tls.ca.display()
    ))
    .await;
    assert!(msg.contains("TLS handshake"), "{msg}");
    assert!(msg.contains("not valid for name"), "{msg}");
    assert!(msg.contains("127.0.0.1"), "{msg}");
}

#[tokio::test]
async fn verify_ca_checks_the_chain_but_not_the_name() {
    let tls = tls_server().await;
    // 127.0.0.1 is not in the certificate: verify-ca does not mind.
    let client = connect(&format!(
        "{} sslmode=verify-ca sslrootcert={}",
        dsn(&tls.server),
        tls.ca.display()
    ))
    .await
    .unwrap();
    assert!(uses_tls(&client).await);

    let msg = connect_err(&format!(
        "{} sslmode=verify-ca sslrootcert={}",
        dsn(&tls.server),
        tls.other_ca.display()
    ))
    .await;
    assert!(msg.contains("TLS handshake"), "{msg}");
    assert!(
        msg.contains("does not chain up to the sslrootcert certificates"),
        "{msg}"
    );
}

#[tokio::test]
async fn require_with_a_root_certificate_checks_the_chain() {
    // As libpq: a root certificate turns require into verify-ca.
    let tls = tls_server().await;
    let msg = connect_err(&format!(
        "{} sslmode=require sslrootcert={}",
        dsn(&tls.server),
        tls.other_ca.display()
    ))
    .await;
    assert!(msg.contains("UnknownIssuer"), "{msg}");
}

#[tokio::test]
async fn scram_channel_binding_over_tls() {
    let tls = tls_server().await;
    let config = ConnectConfig::parse_with_env(
        &format!(
            "host=localhost port={} user={SCRAM_USER} dbname=postgres sslmode=verify-full \
             sslrootcert={} channel_binding=require",
            tls.server.port(),
            tls.ca.display()
        ),
        |_| None,
    )
    .unwrap()
    .with_password(SCRAM_PASSWORD);
    // channel_binding=require: this connects only if the stream offered tls-server-end-point
    // and the server accepted it.
    let client = config.connect_raw().await.unwrap();
    assert!(uses_tls(&client).await);
    // SCRAM really ran: a wrong password is refused.
    let msg = match config.with_password("wrong").connect_raw().await {
        Ok(_) => panic!("connected with a wrong password"),
        Err(e) => e.to_string(),
    };
    assert!(msg.contains("password authentication failed"), "{msg}");
}

#[tokio::test]
async fn unix_socket_connections_never_use_tls() {
    let tls = tls_server().await;
    let dir = tls.server.dir().display().to_string();
    // The socket directory as a query parameter...
    let url = format!(
        "postgres://postgres@/postgres?host={}&port={}&sslmode=require",
        dir.replace('/', "%2F"),
        tls.server.port()
    );
    let client = connect(&url).await.unwrap();
    assert!(!uses_tls(&client).await);
    let row = client
        .query_one("SELECT inet_server_addr() IS NULL", &[])
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "not a Unix socket connection");
    // ...and as a key=value host.
    let client = connect(&format!(
        "host={dir} port={} user=postgres dbname=postgres",
        tls.server.port()
    ))
    .await
    .unwrap();
    assert!(!uses_tls(&client).await);
}

#[tokio::test]
async fn host_lists_fall_through_to_the_next_host() {
    let tls = tls_server().await;
    let closed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!(
        "postgres://postgres@127.0.0.1:{closed},127.0.0.1:{}/postgres\
         ?target_session_attrs=read-write&connect_timeout=5",
        tls.server.port()
    );
    let client = connect(&url).await.unwrap();
    let row = client.query_one("SELECT 1", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 1);
}

#[tokio::test]
async fn url_settings_reach_the_session() {
    let url = server_url().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}application_name=mapped-it&options=-c%20statement_timeout%3D1234");
    let client = ConnectConfig::parse(&url)
        .unwrap()
        .connect_raw()
        .await
        .unwrap();
    let row = client
        .query_one(
            "SELECT current_setting('statement_timeout'), current_setting('application_name')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "1234ms");
    assert_eq!(row.get::<_, String>(1), "mapped-it");
}
