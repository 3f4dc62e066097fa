//! HTTPS as a user runs it: a self-signed certificate trusted through the
//! CA file Spoke prints, and a certificate of one's own read again on
//! SIGHUP without dropping the connections already open.

#[path = "support/process.rs"]
mod process;

use process::start_with;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn trusting(ca_pem: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem).unwrap())
        .build()
        .unwrap()
}

async fn status(client: &reqwest::Client, url: &str) -> Result<u16, String> {
    client
        .get(url)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

/// A CA and a certificate for 127.0.0.1 signed by it: (CA PEM, cert PEM,
/// key PEM).
fn pair() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

fn hangup(pid: u32) {
    let sent = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test]
async fn a_self_signed_server_is_trusted_through_the_ca_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let token = "ci-token-0123456789abcdef";
    let data = dir.path().to_str().unwrap();
    let app = start_with(
        &["--data-dir", data, "--tls-self-signed"],
        &[("SPOKE_BOOTSTRAP_TOKEN", token)],
    );
    assert!(app.base.starts_with("https://127.0.0.1:"), "{}", app.base);
    let line = app
        .printed
        .iter()
        .find(|l| l.contains("Trust its CA: "))
        .unwrap_or_else(|| panic!("no CA printed: {:?}", app.printed));
    let ca_path = line
        .split("Trust its CA: ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let ca = std::fs::read(&ca_path).unwrap();
    let client = trusting(&ca);
    assert_eq!(
        status(&client, &format!("{}/health", app.base)).await,
        Ok(200)
    );
    let reply = client
        .get(format!("{}/crm/v3/objects/contacts", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let stranger = reqwest::Client::new();
    let refused = status(&stranger, &format!("{}/health", app.base)).await;
    assert!(
        refused.is_err(),
        "a client without the CA trusted it: {refused:?}"
    );
    let plain = app.base.replace("https://", "http://");
    assert!(status(&stranger, &format!("{plain}/health")).await.is_err());
    app.terminate();

    // A later start serves the same certificate.
    let app = start_with(
        &["--data-dir", data, "--tls-self-signed"],
        &[("SPOKE_BOOTSTRAP_TOKEN", token)],
    );
    assert_eq!(std::fs::read(&ca_path).unwrap(), ca);
    assert_eq!(
        status(&client, &format!("{}/health", app.base)).await,
        Ok(200)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = Path::new(data).join("tls").join("key.pem");
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is the owner's only");
    }
}

#[tokio::test]
async fn sighup_reads_the_certificate_again_and_keeps_open_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (ca_a, cert_a, key_a) = pair();
    std::fs::write(&cert, cert_a).unwrap();
    std::fs::write(&key, key_a).unwrap();
    let app = start_with(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let health = format!("{}/health", app.base);
    let open = trusting(ca_a.as_bytes());
    assert_eq!(status(&open, &health).await, Ok(200));

    let (ca_b, cert_b, key_b) = pair();
    std::fs::write(&cert, cert_b).unwrap();
    std::fs::write(&key, key_b).unwrap();
    hangup(app.child.id());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        status(&open, &health).await,
        Ok(200),
        "the connection opened before the reload still serves"
    );
    assert!(
        status(&trusting(ca_a.as_bytes()), &health).await.is_err(),
        "a new handshake gets the new certificate"
    );
    let renewed = trusting(ca_b.as_bytes());
    assert_eq!(status(&renewed, &health).await, Ok(200));

    // A broken pair is not taken: the last good one stays.
    std::fs::write(&cert, "not a certificate").unwrap();
    hangup(app.child.id());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(&trusting(ca_b.as_bytes()), &health).await, Ok(200));
    let (ok, stderr) = app.terminate();
    assert!(ok);
    assert!(stderr.contains("TLS certificate reloaded"), "{stderr}");
    assert!(
        stderr.contains("not reloaded; the old one stays"),
        "{stderr}"
    );
}

#[test]
fn a_missing_or_mismatched_certificate_stops_startup_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_spoke"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let err = run(&[
        "--tls-cert",
        "/nonexistent/cert.pem",
        "--tls-key",
        "/nonexistent/key.pem",
    ]);
    assert!(
        err.contains("cannot read the certificate /nonexistent/cert.pem"),
        "{err}"
    );
    let (_, cert_a, _) = pair();
    let (_, _, key_b) = pair();
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert, cert_a).unwrap();
    std::fs::write(&key, key_b).unwrap();
    let err = run(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    assert!(err.contains("does not match"), "{err}");
    let err = run(&["--tls-cert", cert.to_str().unwrap()]);
    assert!(err.contains("--tls-key"), "{err}");
}
