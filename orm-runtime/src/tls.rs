//! TLS for tokio-postgres through rustls (ring provider): the connector
//! [`ConnectConfig`](crate::ConnectConfig) builds from `sslmode` and `sslrootcert`. Internal;
//! users choose TLS with those two settings.
//!
//! What each mode checks, as libpq does:
//!
//! | `sslmode` | no `sslrootcert` | with `sslrootcert` |
//! |---|---|---|
//! | `prefer`, `require` | nothing (encryption only) | the chain, not the name |
//! | `verify-ca` | — (an error) | the chain, not the name |
//! | `verify-full` | — (an error) | the chain and the host name |
//!
//! "Nothing" still checks the handshake signatures with the certificate's key, so the
//! session is encrypted with whoever holds that key; only who that is stays unverified.
//! Host names are matched against the certificate's subjectAltName entries only (rustls does
//! not fall back to the common name, as libpq does for certificates without any SAN).
//!
//! Channel binding: the stream offers `tls-server-end-point` (RFC 5929: a hash of the server
//! certificate), so SCRAM-SHA-256-PLUS works, except for certificates signed with RSA-PSS,
//! Ed25519 or another algorithm whose hash RFC 5929 leaves open: those offer no binding,
//! which only matters with `channel_binding=require`.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// The ALPN protocol PostgreSQL 17 requires with `sslnegotiation=direct` (and accepts
/// otherwise; older servers ignore it).
const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verify {
    /// Only the handshake signatures (`prefer`/`require` without a root certificate).
    Nothing,
    /// The chain up to a root, not the name (`verify-ca`, or `require` with a root).
    Chain,
    /// The chain and the host name (`verify-full`).
    Full,
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Roots<'a> {
    /// A PEM file of one or more certificates.
    File(&'a Path),
    /// The operating system's trust store.
    System,
}

/// A rustls client configuration for `verify`, trusting `roots` (required unless `verify`
/// is [`Verify::Nothing`]). Reads the root certificates; the error says which file and why.
pub(crate) fn client_config(
    verify: Verify,
    roots: Option<Roots<'_>>,
) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match verify {
        Verify::Nothing => Arc::new(LaxVerifier {
            roots: None,
            provider,
        }),
        Verify::Chain | Verify::Full => {
            let roots = match roots {
                Some(roots) => Arc::new(load_roots(roots)?),
                None => return Err("certificate verification needs sslrootcert".into()),
            };
            if verify == Verify::Full {
                WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| format!("TLS setup: {e}"))?
            } else {
                Arc::new(LaxVerifier {
                    roots: Some(roots),
                    provider,
                })
            }
        }
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
    Ok(Arc::new(config))
}

fn load_roots(roots: Roots<'_>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::File(path) => {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?;
            if certs.is_empty() {
                return Err(format!("sslrootcert {shown} holds no PEM certificate"));
            }
            for cert in certs {
                store
                    .add(cert)
                    .map_err(|e| format!("sslrootcert {shown}: {e}"))?;
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map_or_else(String::new, |e| format!(": {e}"));
                return Err(format!(
                    "sslrootcert=system: no certificate in the system trust store{why}"
                ));
            }
        }
    }
    Ok(store)
}

/// Our own certificate checks, for what rustls's `WebPkiServerVerifier` (chain and name)
/// does not do. Both still check that the server holds its certificate's key (the
/// handshake signatures).
#[derive(Debug)]
struct LaxVerifier {
    /// `None`: accept any certificate (`prefer`/`require` without a root certificate).
    /// `Some`: check the chain up to these roots, but not the name (`verify-ca`).
    roots: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for LaxVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = ParsedCertificate::try_from(end_entity)?;
            verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// tokio-postgres' [`MakeTlsConnect`] over rustls: one per [`ConnectConfig`](crate::ConnectConfig),
/// cheap to clone. It can also hold the reason TLS could not be set up (an unreadable
/// `sslrootcert`), which every connection attempt then reports.
#[derive(Clone)]
pub(crate) struct MakeRustlsConnect {
    setup: Result<Option<Arc<ClientConfig>>, Arc<str>>,
    verify_name: bool,
}

impl fmt::Debug for MakeRustlsConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.setup {
            Ok(Some(_)) if self.verify_name => "verify-full",
            Ok(Some(_)) => "enabled",
            Ok(None) => "disabled",
            Err(_) => "failed",
        };
        f.debug_tuple("MakeRustlsConnect").field(&state).finish()
    }
}

impl MakeRustlsConnect {
    /// TLS with `config`; `verify_name` when the host name must be valid for the handshake
    /// (`verify-full`).
    pub(crate) fn new(config: Arc<ClientConfig>, verify_name: bool) -> Self {
        MakeRustlsConnect {
            setup: Ok(Some(config)),
            verify_name,
        }
    }

    /// For `sslmode=disable`: tokio-postgres asks for a connector but never uses it.
    pub(crate) fn disabled() -> Self {
        MakeRustlsConnect {
            setup: Ok(None),
            verify_name: false,
        }
    }

    /// TLS could not be set up: every connection attempt fails with `why`.
    pub(crate) fn failed(why: &str) -> Self {
        MakeRustlsConnect {
            setup: Err(why.into()),
            verify_name: false,
        }
    }
}

/// The error a [`MakeRustlsConnect`] reports.
#[derive(Debug)]
pub(crate) struct TlsSetupError(String);

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsSetupError {}

impl<S> MakeTlsConnect<S> for MakeRustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = TlsSetupError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, TlsSetupError> {
        let config = match &self.setup {
            Ok(config) => config.clone(),
            Err(why) => return Err(TlsSetupError(why.to_string())),
        };
        let server_name = match ServerName::try_from(domain) {
            Ok(name) => name.to_owned(),
            Err(_) if self.verify_name => {
                return Err(TlsSetupError(format!(
                    "sslmode=verify-full: `{domain}` is not a valid host name to verify"
                )));
            }
            // Any name will do when none is checked; an IP address sends no SNI.
            Err(_) => ServerName::IpAddress(IpAddr::V4(Ipv4Addr::UNSPECIFIED).into()),
        };
        Ok(RustlsConnect {
            config,
            server_name,
        })
    }
}

/// One connection's TLS handshake (see [`MakeRustlsConnect`]).
#[derive(Debug)]
pub(crate) struct RustlsConnect {
    config: Option<Arc<ClientConfig>>,
    server_name: ServerName<'static>,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let Some(config) = self.config else {
                return Err(io::Error::other("TLS is disabled (sslmode=disable)"));
            };
            let connector = tokio_rustls::TlsConnector::from(config);
            let stream = connector
                .connect(self.server_name, stream)
                .await
                .map_err(explain)?;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// Says what rustls' terse `UnknownIssuer` means here.
fn explain(e: io::Error) -> io::Error {
    let unknown_issuer = e.get_ref().and_then(|e| e.downcast_ref()).is_some_and(|e| {
        matches!(
            e,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        )
    });
    if unknown_issuer {
        io::Error::new(
            e.kind(),
            format!(
                "{e} (the server's certificate does not chain up to the sslrootcert certificates)"
            ),
        )
    } else {
        e
    }
}

/// A TLS connection to the server.
#[derive(Debug)]
pub(crate) struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        session
            .peer_certificates()
            .and_then(|certs| certs.first())
            .and_then(|cert| server_end_point(cert))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}

/// RFC 5929 `tls-server-end-point`: the certificate hashed with its signature's hash, with
/// SHA-256 instead of MD5 or SHA-1. `None` when the signature algorithm names no single
/// hash (RSA-PSS, Ed25519) or the certificate does not parse.
fn server_end_point(cert: &[u8]) -> Option<Vec<u8>> {
    let algorithm = match signature_oid(cert)? {
        // md5WithRSAEncryption, sha1WithRSAEncryption, sha256WithRSAEncryption,
        // ecdsa-with-SHA1, ecdsa-with-SHA256
        OID_RSA_MD5 | OID_RSA_SHA1 | OID_RSA_SHA256 | OID_ECDSA_SHA1 | OID_ECDSA_SHA256 => {
            &ring::digest::SHA256
        }
        OID_RSA_SHA384 | OID_ECDSA_SHA384 => &ring::digest::SHA384,
        OID_RSA_SHA512 | OID_ECDSA_SHA512 => &ring::digest::SHA512,
        _ => return None,
    };
    Some(ring::digest::digest(algorithm, cert).as_ref().to_vec())
}

// The DER contents of the signature algorithm OIDs above (1.2.840.113549.1.1.x and
// 1.2.840.10045.4.x).
const OID_RSA_MD5: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04];
const OID_RSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];
const OID_RSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
const OID_RSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C];
const OID_RSA_SHA512: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D];
const OID_ECDSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];
const OID_ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03];
const OID_ECDSA_SHA512: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04];

/// The OID of a DER certificate's outer `signatureAlgorithm`:
/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, .. }, .. }`.
fn signature_oid(cert: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    const OID: u8 = 0x06;
    let (tag, certificate, _) = der_element(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let (_, _tbs, rest) = der_element(certificate)?;
    let (tag, algorithm, _) = der_element(rest)?;
    if tag != SEQUENCE {
        return None;
    }
    match der_element(algorithm)? {
        (OID, oid, _) => Some(oid),
        _ => None,
    }
}

/// One DER element: (tag, contents, what follows). Single-byte tags only, lengths up to
/// four bytes: all a certificate's outer structure needs.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes
            .iter()
            .fold(0_usize, |len, &b| (len << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;

    #[test]
    fn connectors_fit_a_deadpool_manager() {
        // deadpool-postgres' Manager needs all of these Send + Sync, and the future Send.
        fn send_sync<T: Send + Sync + 'static>() {}
        fn send<T: Send>(_: &T) {}
        send_sync::<MakeRustlsConnect>();
        send_sync::<RustlsConnect>();
        send_sync::<RustlsStream<tokio_postgres::Socket>>();
        let mut make = MakeRustlsConnect::disabled();
        let connect =
            MakeTlsConnect::<tokio_postgres::Socket>::make_tls_connect(&mut make, "h").unwrap();
        let (a, _b) = tokio::io::duplex(64);
        send(&TlsConnect::connect(connect, a));
    }

    #[test]
    fn der_lengths() {
        assert_eq!(
            der_element(&[0x04, 0x02, 1, 2, 9]),
            Some((0x04, &[1, 2][..], &[9][..]))
        );
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7, 256));
        let (_, contents, rest) = der_element(&long).unwrap();
        assert_eq!((contents.len(), rest.len()), (256, 0));
        // Truncated, indefinite length.
        assert_eq!(der_element(&[0x04, 0x03, 1]), None);
        assert_eq!(der_element(&[0x30, 0x80]), None);
    }

    #[test]
    fn signature_algorithm_of_a_certificate() {
        // SEQUENCE { SEQUENCE {} (tbs), SEQUENCE { OID sha384WithRSAEncryption, NULL }, BIT STRING }
        let mut alg = vec![0x06, 9];
        alg.extend_from_slice(OID_RSA_SHA384);
        alg.extend_from_slice(&[0x05, 0x00]);
        let mut body = vec![0x30, 0x00, 0x30, u8::try_from(alg.len()).unwrap()];
        body.extend_from_slice(&alg);
        body.extend_from_slice(&[0x03, 0x01, 0x00]);
        let mut cert = vec![0x30, u8::try_from(body.len()).unwrap()];
        cert.extend_from_slice(&body);
        assert_eq!(signature_oid(&cert), Some(OID_RSA_SHA384));
        assert_eq!(server_end_point(&cert).map(|h| h.len()), Some(48));
        assert_eq!(signature_oid(&cert[..cert.len() - 4]), None);
        assert_eq!(server_end_point(b"not a certificate"), None);
    }

    #[test]
    fn unreadable_root_certificates_are_named() {
        let err = client_config(
            Verify::Full,
            Some(Roots::File(Path::new("/nonexistent.pem"))),
        )
        .unwrap_err();
        assert!(
            err.starts_with("cannot read sslrootcert /nonexistent.pem"),
            "{err}"
        );
        assert!(client_config(Verify::Chain, None).is_err());
        assert!(client_config(Verify::Nothing, None).is_ok());
    }
}
