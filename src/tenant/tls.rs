//! The TLS settings every tenant client uses: ring as the crypto provider, and the platform's
//! root certificates plus the one `LOGINFLOW_CA_CERT` names, verified as the platform verifier
//! reqwest would set up itself verifies (through `tenant::roots`, which reads the CA bundle
//! file first).
//!
//! Built once per process: loading the roots reads and parses the CA bundle (about 0.5 ms of
//! CPU; the certificate directories, a few milliseconds more, only if the bundle falls short),
//! which sat between the start of a command and its first request. [`preload`] starts that work on a thread of its own as a command begins, beside
//! parsing and validating the tenant files; each `reqwest::Client` then takes a clone.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::error::Error;

/// Environment variable naming a PEM certificate to trust in addition to the usual roots, e.g.
/// the `cert.pem` of `loginflow emulator --tls`.
pub const CA_CERT_ENV: &str = "LOGINFLOW_CA_CERT";

/// Makes ring the process's TLS crypto provider; call it before building any TLS client or
/// server. ring rather than aws-lc-rs (reqwest's default), because aws-lc-rs seeds its random
/// generator from CPU jitter on first use: about 35 ms added to every run's first connection.
/// Calling it again is harmless (the first provider stays).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Starts building the client TLS settings on a background thread, once per process. If no
/// thread can be started, the first client builds them itself.
pub fn preload() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("tls-roots".into())
            .spawn(|| settings().is_ok());
    });
}

/// The client TLS settings: built on first use (or by [`preload`]), then shared.
pub(super) fn client_config() -> Result<rustls::ClientConfig, Error> {
    settings()
        .as_ref()
        .map(|config| config.as_ref().clone())
        .map_err(|e| Error::Setup(e.clone()))
}

fn settings() -> &'static Result<Arc<rustls::ClientConfig>, String> {
    static SETTINGS: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    SETTINGS.get_or_init(|| build().map(Arc::new))
}

fn build() -> Result<rustls::ClientConfig, String> {
    install_crypto_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = super::roots::verifier(extra_roots()?, provider.clone())?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        // "dangerous" is rustls's name for any verifier it does not build itself; this one
        // accepts exactly what the platform verifier reqwest uses by default accepts.
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // What reqwest offers with HTTP/2 enabled.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificate `LOGINFLOW_CA_CERT` names, if it is set.
fn extra_roots() -> Result<Vec<CertificateDer<'static>>, String> {
    let Some(path) = std::env::var_os(CA_CERT_ENV).filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let path = std::path::PathBuf::from(path);
    let pem = std::fs::read(&path)
        .map_err(|e| format!("{CA_CERT_ENV}: could not read {}: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "{CA_CERT_ENV}: {} is not a PEM certificate: {e}",
                path.display()
            )
        })?;
    if certs.is_empty() {
        return Err(format!(
            "{CA_CERT_ENV}: {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}
