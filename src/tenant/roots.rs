//! Server certificate verification that tries the platform's CA bundle file before the rest of
//! the platform's trust store.
//!
//! On Linux the platform verifier loads the bundle file (`SSL_CERT_FILE`, or the one OpenSSL
//! would find) and then every file of the certificate directories (`SSL_CERT_DIR`, or
//! `/etc/ssl/certs`). On Debian-like systems those directories hold the bundle's certificates
//! again, one file each, and reading them costs about 3.5 ms of CPU against 0.5 ms for the
//! bundle, on every run. OpenSSL itself reads such directories lazily, by subject hash, only
//! when the file did not have the issuer. This verifier does the same: it verifies against the
//! bundle (plus `LOGINFLOW_CA_CERT`) and builds the full platform verifier only when that fails,
//! then lets it decide. Every root of the bundle is also in the full set, so what it accepts is
//! what the platform verifier accepts. That rests on how rustls-platform-verifier 0.7 loads
//! roots on Linux (rustls-native-certs: `SSL_CERT_FILE`/`SSL_CERT_DIR`, else OpenSSL's usual
//! places, all into one webpki verifier); a release that loads them otherwise needs a look here.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The verifier for client connections: bundle first where the platform has one, otherwise
/// the platform verifier alone.
pub fn verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let fallback = Fallback {
        extra_roots: extra_roots.clone(),
        provider: provider.clone(),
        built: OnceLock::new(),
    };
    let full = |fallback: Fallback| {
        fallback
            .get()
            .map_err(|e| format!("cannot load the TLS root certificates: {e}"))
    };
    let Some(bundle) = bundle_file().and_then(|file| read_bundle(&file)) else {
        return full(fallback);
    };
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(bundle);
    if added == 0 {
        return full(fallback);
    }
    for cert in extra_roots {
        store
            .add(cert)
            .map_err(|e| format!("cannot use the extra root certificate: {e}"))?;
    }
    let first = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
        .build()
        .map_err(|e| format!("cannot load the TLS root certificates: {e}"))?;
    Ok(Arc::new(BundleFirst { first, fallback }))
}

/// The bundle file the platform verifier would read: `SSL_CERT_FILE`, or, when neither
/// variable is set, the file OpenSSL's usual locations hold. `None` where the platform verifier
/// reads no file (other systems, or only `SSL_CERT_DIR` set).
fn bundle_file() -> Option<PathBuf> {
    if !cfg!(all(
        unix,
        not(target_vendor = "apple"),
        not(target_os = "android"),
        not(target_arch = "wasm32")
    )) {
        return None;
    }
    match std::env::var_os("SSL_CERT_FILE") {
        Some(file) if !file.is_empty() => Some(PathBuf::from(file)),
        Some(_) => None,
        None if std::env::var_os("SSL_CERT_DIR").is_some() => None,
        None => probe_bundle(),
    }
}

#[cfg(all(unix, not(target_vendor = "apple"), not(target_os = "android")))]
fn probe_bundle() -> Option<PathBuf> {
    openssl_probe::probe().cert_file
}

#[cfg(not(all(unix, not(target_vendor = "apple"), not(target_os = "android"))))]
fn probe_bundle() -> Option<PathBuf> {
    None
}

/// The certificates of a bundle file; `None` if it cannot be read or holds none, in which case
/// the platform verifier is used from the start.
fn read_bundle(file: &std::path::Path) -> Option<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(file).ok()?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .collect();
    (!certs.is_empty()).then_some(certs)
}

/// The platform verifier, built on first use.
#[derive(Debug)]
struct Fallback {
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    built: OnceLock<Result<Arc<rustls_platform_verifier::Verifier>, rustls::Error>>,
}

impl Fallback {
    fn get(&self) -> Result<Arc<dyn ServerCertVerifier>, rustls::Error> {
        let built = self.built.get_or_init(|| {
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                self.extra_roots.clone(),
                self.provider.clone(),
            )
            .map(Arc::new)
        });
        match built {
            Ok(v) => Ok(v.clone()),
            Err(e) => Err(e.clone()),
        }
    }
}

#[derive(Debug)]
struct BundleFirst {
    first: Arc<WebPkiServerVerifier>,
    fallback: Fallback,
}

impl ServerCertVerifier for BundleFirst {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verify = |v: &dyn ServerCertVerifier| {
            v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        };
        // Any failure goes to the full set: more roots can mean another valid path, and its
        // error is the one to report (the first one's, if the full set cannot be loaded).
        verify(self.first.as_ref()).or_else(|first| match self.fallback.get() {
            Ok(full) => verify(full.as_ref()),
            Err(_) => Err(first),
        })
    }

    // Signatures do not depend on the roots.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.first.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.first.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.first.supported_verify_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    /// A CA and a certificate for 127.0.0.1 it signed.
    fn ca_and_leaf() -> (CertificateDer<'static>, CertificateDer<'static>) {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        (ca_cert.der().clone(), leaf.der().clone())
    }

    fn bundle_first(
        bundle: CertificateDer<'static>,
        extra: Vec<CertificateDer<'static>>,
    ) -> BundleFirst {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut store = RootCertStore::empty();
        store.add(bundle).unwrap();
        BundleFirst {
            first: WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                .build()
                .unwrap(),
            fallback: Fallback {
                extra_roots: extra,
                provider,
                built: OnceLock::new(),
            },
        }
    }

    fn verify(
        v: &BundleFirst,
        leaf: &CertificateDer<'_>,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let name = ServerName::try_from("127.0.0.1").unwrap();
        v.verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
    }

    #[test]
    fn a_root_in_the_bundle_verifies_without_loading_the_rest() {
        let (ca, leaf) = ca_and_leaf();
        let v = bundle_first(ca, Vec::new());
        assert!(verify(&v, &leaf).is_ok());
        assert!(
            v.fallback.built.get().is_none(),
            "the platform store was loaded"
        );
    }

    #[test]
    fn a_root_only_in_the_full_store_verifies_through_it() {
        let (ca, leaf) = ca_and_leaf();
        let (other, _) = ca_and_leaf();
        // The extra roots stand for a root the bundle lacks (such as one only in a directory).
        let v = bundle_first(other, vec![ca]);
        assert!(verify(&v, &leaf).is_ok());
        assert!(v.fallback.built.get().is_some());
    }

    #[test]
    fn a_root_in_neither_is_refused_with_the_full_stores_verdict() {
        let (_, leaf) = ca_and_leaf();
        let (other, _) = ca_and_leaf();
        let v = bundle_first(other, Vec::new());
        let err = verify(&v, &leaf).unwrap_err();
        assert!(v.fallback.built.get().is_some());
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
            ),
            "{err:?}"
        );
    }
}
