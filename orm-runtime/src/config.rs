//! Temporary: replaced by the full ConnectConfig (URL/DSN/env parsing, TLS) on merge.

use std::str::FromStr;

use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{Client, Connection, NoTls, Socket};

use crate::error::{Error, display_chain};

/// Connection settings.
#[derive(Debug, Clone)]
pub struct ConnectConfig {
    pg: tokio_postgres::Config,
}

/// The stream type of a connection.
pub(crate) type TlsStream = NoTlsStream;

impl ConnectConfig {
    /// Parses a URL or DSN.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let pg = tokio_postgres::Config::from_str(s).map_err(|e| {
            Error::Config(format!(
                "cannot parse the connection string: {}",
                display_chain(&e)
            ))
        })?;
        Ok(ConnectConfig { pg })
    }

    /// The driver configuration.
    pub fn pg_config(&self) -> &tokio_postgres::Config {
        &self.pg
    }

    /// The statement cache size given in the connection string.
    pub fn statement_cache_size(&self) -> Option<usize> {
        None
    }

    pub(crate) async fn connect(
        &self,
    ) -> Result<(Client, Connection<Socket, TlsStream>), tokio_postgres::Error> {
        self.pg.connect(NoTls).await
    }

    pub(crate) fn tls_connector(&self) -> NoTls {
        NoTls
    }
}

impl From<tokio_postgres::Config> for ConnectConfig {
    fn from(pg: tokio_postgres::Config) -> Self {
        ConnectConfig { pg }
    }
}
