//! `--tls`: HTTPS for HTTPS-only clients (the Node SDK, auth0-deploy-cli).
//!
//! Each start makes a fresh throwaway certificate authority and a server certificate it signs
//! for `127.0.0.1`, `localhost` and `::1`. Only the authority's certificate is written, as
//! `DIR/cert.pem`, for clients to trust (`NODE_EXTRA_CA_CERTS=DIR/cert.pem`,
//! `LOGINFLOW_CA_CERT=DIR/cert.pem`). No private key is ever written: the server's key lives in
//! memory only and the authority's key is dropped once it has signed, so the trusted
//! certificate can vouch for nothing but this emulator run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};

/// The file clients trust, inside the certificate directory.
pub const CERT_FILE: &str = "cert.pem";

/// Makes the certificates, writes `DIR/cert.pem` and returns the acceptor.
pub fn prepare(dir: &Path) -> Result<TlsAcceptor> {
    let made = make()?;
    write_cert(dir, &made.ca_pem)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert(made.chain, made.key)
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

struct Made {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn make() -> std::result::Result<Made, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "loginflow emulator throwaway CA");
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        "::1".to_string(),
    ])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "loginflow emulator");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf.signed_by(&key, &issuer)?;
    Ok(Made {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf_cert.der().clone(), ca_cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Writes the certificate through a temporary file and a rename, so a client never reads half.
fn write_cert(dir: &Path, pem: &str) -> Result<()> {
    let io = |action: &'static str, path: PathBuf| {
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("create", dir.to_path_buf()))?;
    let tmp = dir.join(format!(".{CERT_FILE}.tmp"));
    let path = dir.join(CERT_FILE);
    std::fs::write(&tmp, pem).map_err(io("write", tmp.clone()))?;
    std::fs::rename(&tmp, &path).map_err(io("write", path.clone()))?;
    Ok(())
}
