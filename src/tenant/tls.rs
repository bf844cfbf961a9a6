//! TLS for tenant clients: ring as the crypto provider, and reqwest's own verifier (the
//! platform's, through rustls-platform-verifier) with the certificate `LOGINFLOW_CA_CERT` names
//! added to the platform's roots.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

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

/// The certificates `LOGINFLOW_CA_CERT` names, if it is set.
pub(super) fn extra_roots() -> Result<Vec<reqwest::Certificate>, String> {
    let Some(path) = std::env::var_os(CA_CERT_ENV).filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let path = std::path::PathBuf::from(path);
    let pem = std::fs::read(&path)
        .map_err(|e| format!("{CA_CERT_ENV}: could not read {}: {e}", path.display()))?;
    let not_pem = |e: &dyn std::fmt::Display| {
        format!(
            "{CA_CERT_ENV}: {} is not a PEM certificate: {e}",
            path.display()
        )
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .map(|c| {
            let der = c.map_err(|e| not_pem(&e))?;
            reqwest::Certificate::from_der(&der).map_err(|e| not_pem(&e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        return Err(format!(
            "{CA_CERT_ENV}: {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}
