//! How a connection to PostgreSQL is protected, read from the URL's libpq-style `sslmode` and
//! `sslrootcert`: in the clear (a database on the same host or a private link), or TLS with the
//! server's certificate checked against a given CA and its name against the host
//! (`sslmode=verify-full`). Modes that encrypt without checking whom they talk to are refused: a
//! machine in the middle could read every record.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StoreError;

/// The protection a URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// No TLS.
    Plain,
    /// TLS; the server's certificate must chain to this CA file (PEM) and name the host.
    VerifyFull(PathBuf),
}

fn refuse(message: String) -> StoreError {
    StoreError::Backend(message)
}

/// Percent-decodes a URL parameter value.
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push((hex(a).unwrap_or(0) * 16 + hex(b).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits the TLS parameters off a `postgres://` URL (the driver itself knows neither
/// `verify-full` nor `sslrootcert`), returning the URL to connect with and the transport.
pub fn split_url(url: &str) -> Result<(String, Transport), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), Transport::Plain));
    };
    let (mut mode, mut root) = (None, None);
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", v)) => mode = Some(decode(v)),
            Some(("sslrootcert", v)) => root = Some(PathBuf::from(decode(v))),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let transport = match mode.as_deref() {
        None | Some("disable") => Transport::Plain,
        Some("verify-full") => Transport::VerifyFull(root.ok_or_else(|| {
            refuse("sslmode=verify-full needs sslrootcert=/path/to/ca.pem (the CA that signed the database's certificate)".into())
        })?),
        Some(other @ ("allow" | "prefer" | "require" | "verify-ca")) => {
            return Err(refuse(format!(
                "sslmode={other} does not check that the certificate names the database host; use sslmode=verify-full with sslrootcert, or no sslmode on a private link"
            )));
        }
        Some(other) => return Err(refuse(format!("unknown sslmode {other}"))),
    };
    Ok((url, transport))
}

/// The TLS connector for a CA file: the database's certificate must chain to it and name the host.
pub fn connector(ca: &Path) -> Result<MakeRustlsConnect, StoreError> {
    let shown = ca.display();
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca)
        .map_err(|e| refuse(format!("sslrootcert {shown}: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refuse(format!("sslrootcert {shown}: {e}")))?;
    if certs.is_empty() {
        return Err(refuse(format!("sslrootcert {shown} holds no certificate")));
    }
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| refuse(format!("sslrootcert {shown}: {e}")))?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refuse(format!("TLS settings: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_are_taken_off_the_url_and_weak_modes_refused() {
        let (url, t) = split_url("postgres://fv@db/fv").unwrap();
        assert_eq!((url.as_str(), t), ("postgres://fv@db/fv", Transport::Plain));
        let (url, t) = split_url(
            "postgres://fv@db/fv?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&options=-c%20x%3D1",
        )
        .unwrap();
        assert_eq!(url, "postgres://fv@db/fv?options=-c%20x%3D1");
        assert_eq!(t, Transport::VerifyFull("/etc/ca.pem".into()));
        for weak in ["require", "prefer", "verify-ca"] {
            let e = split_url(&format!("postgres://fv@db/fv?sslmode={weak}")).unwrap_err();
            assert!(e.to_string().contains("verify-full"), "{e}");
        }
        let e = split_url("postgres://fv@db/fv?sslmode=verify-full").unwrap_err();
        assert!(e.to_string().contains("sslrootcert"), "{e}");
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("ca.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = connector(&empty).err().unwrap();
        assert!(e.to_string().contains("ca.pem"), "{e}");
    }
}
