//! HTTPS: rustls behind axum's server. The certificate comes from PEM files
//! (`--tls-cert`, `--tls-key`), read again on SIGHUP without dropping a
//! connection (new handshakes get the new certificate; a bad new pair keeps
//! the old one), or is made for localhost (`--tls-self-signed`) with a CA
//! of its own whose file clients are told to trust.

use axum::serve::Listener;
use rustls::crypto::ring::{default_provider, sign::any_supported_type};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client may take over its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Where the certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsSource {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Made for localhost in this directory (kept for later starts).
    SelfSigned {
        dir: PathBuf,
    },
}

/// The certificate being served, swapped on reload.
#[derive(Debug)]
pub struct Certificate {
    current: RwLock<Arc<CertifiedKey>>,
    cert: PathBuf,
    key: PathBuf,
}

impl ResolvesServerCert for Certificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self
                .current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        ))
    }
}

impl Certificate {
    /// Reads the pair; a clear error when a file is missing or not PEM.
    pub fn load(cert: &Path, key: &Path) -> Result<Certificate, String> {
        Ok(Certificate {
            current: RwLock::new(Arc::new(read_pair(cert, key)?)),
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        })
    }

    /// Reads the files again; the old pair stays when the new one is bad.
    pub fn reload(&self) -> Result<(), String> {
        let pair = read_pair(&self.cert, &self.key)?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(pair);
        Ok(())
    }
}

fn read_pair(cert: &Path, key: &Path) -> Result<CertifiedKey, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("cannot read the certificate {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate {} is not PEM: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", cert.display()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the private key {}: {e}", key.display()))?;
    let signing = any_supported_type(&key_der)
        .map_err(|e| format!("the private key {} cannot sign: {e}", key.display()))?;
    let pair = CertifiedKey::new(chain, signing);
    pair.keys_match().map_err(|e| {
        format!(
            "the private key {} does not match the certificate {}: {e}",
            key.display(),
            cert.display()
        )
    })?;
    Ok(pair)
}

/// The certificate to serve, made first when self-signed; with the CA file
/// to trust in that case.
pub fn certificate(source: &TlsSource) -> Result<(Arc<Certificate>, Option<PathBuf>), String> {
    match source {
        TlsSource::Files { cert, key } => Ok((Arc::new(Certificate::load(cert, key)?), None)),
        TlsSource::SelfSigned { dir } => {
            let (cert, key, ca) = self_signed(dir)?;
            Ok((Arc::new(Certificate::load(&cert, &key)?), Some(ca)))
        }
    }
}

/// A CA and a certificate for localhost, 127.0.0.1 and ::1 signed by it,
/// in `dir` (made once, used again by later starts).
fn self_signed(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let (cert, key, ca) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    );
    if cert.exists() && key.exists() && ca.exists() {
        return Ok((cert, key, ca));
    }
    let failed = |e: rcgen::Error| format!("cannot make a self-signed certificate: {e}");
    let ca_key = rcgen::KeyPair::generate().map_err(failed)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Spoke local CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
    let leaf_key = rcgen::KeyPair::generate().map_err(failed)?;
    let mut leaf_params = rcgen::CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])
    .map_err(failed)?;
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .map_err(failed)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(&ca, ca_cert.pem())?;
    write(&cert, leaf.pem())?;
    write(&key, leaf_key.serialize_pem())?;
    restrict(&key)?;
    Ok((cert, key, ca))
}

/// Only the owner reads the private key.
fn restrict(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(())
}

/// rustls' server settings for `certificate`: TLS 1.2 and 1.3, HTTP/1.1.
pub fn server_config(certificate: Arc<Certificate>) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(certificate);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Reloads the certificate on each SIGHUP, until the process ends.
pub fn reload_on_hangup(certificate: Arc<Certificate>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; the certificate is not reloaded");
            return;
        };
        while hangups.recv().await.is_some() {
            match certificate.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(err) => tracing::warn!(%err, "TLS certificate not reloaded; the old one stays"),
            }
        }
    });
}

/// A listener that hands axum connections once their TLS handshake is
/// done; handshakes run side by side, so a slow client holds up no other.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: JoinHandle<()>,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (done, ready) = mpsc::channel(64);
        let accepting = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        tracing::debug!(%err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if let Err(err) = tcp.set_nodelay(true) {
                    tracing::debug!(%err, "cannot set TCP_NODELAY");
                }
                let (acceptor, done) = (acceptor.clone(), done.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = done.send((tls, peer)).await;
                        }
                        Ok(Err(err)) => tracing::debug!(%peer, %err, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            ready,
            local,
            accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task ended (it never does before drop).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
