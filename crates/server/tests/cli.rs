//! The `spoke` binary as a user runs it: first start, restart, signals,
//! logs and help.

#[path = "support/process.rs"]
mod process;

use process::{start_with, Running};
use std::path::Path;
use std::process::Command;

/// `spoke serve` on a SQLite data directory.
fn start(data_dir: &Path, envs: &[(&str, &str)]) -> Running {
    let dir = data_dir.to_str().unwrap();
    start_with(&["--data-dir", dir], envs)
}

async fn status_of(base: &str, path: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_first_start_prints_a_token_once_and_later_starts_reuse_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh-dir");
    let first = start(&data, &[]);
    let token = first.printed_token().expect("a token on first start");
    assert_eq!(token.len(), "pat-na1-".len() + 36);
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{}/crm/v3/objects/contacts", first.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"properties": {"email": "kept@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let (ok, stderr) = first.terminate();
    assert!(ok, "clean exit: {stderr}");
    assert!(!stderr.contains(&token), "the token is never logged");

    let second = start(&data, &[]);
    assert_eq!(second.printed_token(), None, "printed only once");
    assert_eq!(
        status_of(&second.base, "/crm/v3/objects/contacts/1", &token).await,
        200
    );
    second.terminate();
}

#[tokio::test]
async fn a_chosen_bootstrap_token_is_used_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = "ci-token-0123456789abcdef";
    let app = start(dir.path(), &[("SPOKE_BOOTSTRAP_TOKEN", chosen)]);
    assert_eq!(app.printed_token(), None);
    assert!(!app.printed.iter().any(|l| l.contains(chosen)));
    assert_eq!(
        status_of(&app.base, "/crm/v3/objects/contacts", chosen).await,
        200
    );
    let (_, stderr) = app.terminate();
    assert!(!stderr.contains(chosen));
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_closes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(
        dir.path(),
        &[("SPOKE_BOOTSTRAP_TOKEN", "ci-token-0123456789abcdef")],
    );
    assert_eq!(status_of(&app.base, "/health", "").await, 200);
    let (ok, stderr) = app.terminate();
    assert!(ok, "exit status 0: {stderr}");
    assert!(stderr.contains("received SIGTERM"), "{stderr}");
    assert!(stderr.contains("stopped cleanly"), "{stderr}");
    // SQLite removes the WAL when its last connection closes cleanly.
    assert!(dir.path().join("spoke.db").exists());
    assert!(!dir.path().join("spoke.db-wal").exists(), "WAL left behind");
}

#[tokio::test]
async fn the_log_line_of_a_request_carries_its_correlation_id() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(
        dir.path(),
        &[("SPOKE_BOOTSTRAP_TOKEN", "ci-token-0123456789abcdef")],
    );
    let reply = reqwest::Client::new()
        .get(format!("{}/crm/v3/objects/contacts/404", app.base))
        .bearer_auth("ci-token-0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 404);
    let body: serde_json::Value = reply.json().await.unwrap();
    let id = body["correlationId"].as_str().unwrap().to_string();
    let (_, stderr) = app.terminate();
    let line = stderr
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no log line with {id} in:\n{stderr}"));
    assert!(line.contains("status=404"), "{line}");
    assert!(
        line.contains("route=/crm/v3/objects/contacts/{contact_id}"),
        "{line}"
    );
    assert!(
        !line.contains("/crm/v3/objects/contacts/404"),
        "the path's values stay out of the log: {line}"
    );
}

#[tokio::test]
async fn a_refused_request_says_why_at_debug_level() {
    let dir = tempfile::tempdir().unwrap();
    let app = start_with(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--log",
            "info,spoke_api=debug",
        ],
        &[("SPOKE_BOOTSTRAP_TOKEN", "ci-token-0123456789abcdef")],
    );
    let reply = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/contacts", app.base))
        .bearer_auth("ci-token-0123456789abcdef")
        .json(&serde_json::json!({"properties": {"email": "not-an-email"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 400);
    let (_, stderr) = app.terminate();
    let line = stderr
        .lines()
        .find(|l| l.contains("request refused"))
        .unwrap_or_else(|| panic!("no refusal logged:\n{stderr}"));
    assert!(line.contains("VALIDATION_ERROR"), "{line}");
    assert!(line.contains("status=400"), "{line}");
}

#[tokio::test]
async fn json_logs_carry_the_requests_span() {
    let dir = tempfile::tempdir().unwrap();
    let app = start_with(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--log-format",
            "json",
        ],
        &[("SPOKE_BOOTSTRAP_TOKEN", "ci-token-0123456789abcdef")],
    );
    let reply = reqwest::Client::new()
        .get(format!("{}/crm/v3/objects/contacts/404", app.base))
        .bearer_auth("ci-token-0123456789abcdef")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = reply.json().await.unwrap();
    let id = body["correlationId"].as_str().unwrap().to_string();
    let (_, stderr) = app.terminate();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let line = lines
        .iter()
        .find(|l| l["span"]["correlation_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no line in the request's span:\n{stderr}"));
    assert_eq!(
        line["span"]["route"],
        "/crm/v3/objects/contacts/{contact_id}"
    );
    assert_eq!(line["fields"]["status"], 404);
    let refused = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request refused")
        .is_none();
    assert!(
        refused,
        "a 4xx is logged at debug level only (the default is info)"
    );
    assert!(
        !stderr.contains("ci-token-0123456789abcdef"),
        "no secret in the log"
    );
}

#[test]
fn help_documents_every_flag_and_its_environment_form() {
    let output = Command::new(env!("CARGO_BIN_EXE_spoke"))
        .args(["serve", "--help"])
        .env_remove("SPOKE_BOOTSTRAP_TOKEN")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for (flag, env) in [
        ("--listen", "SPOKE_LISTEN"),
        ("--data-dir", "SPOKE_DATA_DIR"),
        ("--bootstrap-token", "SPOKE_BOOTSTRAP_TOKEN"),
        ("--log", "SPOKE_LOG"),
        ("--sqlite-synchronous", "SPOKE_SQLITE_SYNCHRONOUS"),
        ("--database-url", "SPOKE_DATABASE_URL"),
        ("--database-pool-size", "SPOKE_DATABASE_POOL_SIZE"),
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
        assert!(
            help.contains(&format!("env: {env}")),
            "{env} missing from:\n{help}"
        );
    }
    let top = Command::new(env!("CARGO_BIN_EXE_spoke"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8(top.stdout).unwrap().contains("serve"));
}

#[test]
fn a_bad_bootstrap_token_stops_startup_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_spoke"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("SPOKE_BOOTSTRAP_TOKEN", "short")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("SPOKE_BOOTSTRAP_TOKEN: a token must be 16 to 512 characters long"),
        "{stderr}"
    );
}

/// Runs `spoke serve ARGS` expecting it to refuse to start; returns stderr.
fn refused(args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spoke"));
    command
        .arg("serve")
        .args(args)
        .env_remove("SPOKE_DATABASE_URL")
        .env("SPOKE_BOOTSTRAP_TOKEN", "ci-token-0123456789abcdef");
    for (k, v) in envs {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success(), "it started: {stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[tokio::test]
async fn a_second_spoke_on_one_data_directory_refuses_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(
        dir.path(),
        &[("SPOKE_BOOTSTRAP_TOKEN", "ci-token-0123456789abcdef")],
    );
    let data = dir.path().to_str().unwrap();
    let stderr = refused(&["--listen", "127.0.0.1:0", "--data-dir", data], &[]);
    assert!(stderr.contains(data), "names the directory: {stderr}");
    assert!(
        stderr.contains(&format!("pid {}", first.child.id())),
        "names the other process: {stderr}"
    );
    // The first is unharmed.
    assert_eq!(
        status_of(
            &first.base,
            "/crm/v3/objects/contacts",
            "ci-token-0123456789abcdef"
        )
        .await,
        200
    );
    first.terminate();
}

#[test]
fn an_unreachable_or_unknown_database_stops_startup_with_a_clear_message() {
    let stderr = refused(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://spoke:hunter2@127.0.0.1:1/spoke",
        ],
        &[],
    );
    assert!(stderr.contains("cannot reach the database"), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "no password in messages: {stderr}"
    );
    let stderr = refused(
        &["--listen", "127.0.0.1:0"],
        &[("SPOKE_DATABASE_URL", "mysql://localhost/spoke")],
    );
    assert!(
        stderr.contains("unsupported database URL scheme \"mysql\""),
        "{stderr}"
    );
}

#[test]
fn a_port_in_use_is_reported_before_the_database_is_opened() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    // The database would not open either: the port is what is reported.
    let stderr = refused(
        &[
            "--listen",
            &port,
            "--database-url",
            "postgres://127.0.0.1:1/spoke",
        ],
        &[],
    );
    assert!(
        stderr.contains(&format!("cannot listen on {port}")),
        "{stderr}"
    );
}

fn spoke(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spoke"))
        .args(args)
        .env_remove("SPOKE_DATA_DIR")
        .env_remove("SPOKE_DATABASE_URL")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn create(client: &reqwest::Client, base: &str, token: &str, email: &str) -> u16 {
    client
        .post(format!("{base}/crm/v3/objects/contacts"))
        .bearer_auth(token)
        .json(&serde_json::json!({"properties": {"email": email}}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_backup_taken_under_writes_restores_what_was_acknowledged() {
    let token = "ci-token-0123456789abcdef";
    let dir = tempfile::tempdir().unwrap();
    let app = start(dir.path(), &[("SPOKE_BOOTSTRAP_TOKEN", token)]);
    let client = reqwest::Client::new();
    for n in 0..40 {
        assert_eq!(
            create(&client, &app.base, token, &format!("before{n}@x.io")).await,
            201
        );
    }
    // Writes go on while the backup runs.
    let (base, writer_client) = (app.base.clone(), client.clone());
    let writer = tokio::spawn(async move {
        let mut n = 0;
        loop {
            create(&writer_client, &base, token, &format!("during{n}@x.io")).await;
            n += 1;
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("spoke-backup.db");
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = spoke(&["backup", "--to", file.to_str().unwrap(), "--data-dir", data]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Backed up") && out.contains("contacts"),
        "{out}"
    );
    writer.abort();
    // A backup never overwrites.
    let (ok, _, err) = spoke(&["backup", "--to", file.to_str().unwrap(), "--data-dir", data]);
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _) = app.terminate();
    assert!(ok);

    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().to_str().unwrap();
    let (ok, out, err) = spoke(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--data-dir",
        target,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("Restored"), "{out}");
    let app = start(restored.path(), &[("SPOKE_BOOTSTRAP_TOKEN", token)]);
    for n in 0..40 {
        let email = format!("before{n}@x.io");
        assert_eq!(
            status_of(
                &app.base,
                &format!("/crm/v3/objects/contacts/{email}?idProperty=email"),
                token
            )
            .await,
            200,
            "{email} was acknowledged before the backup"
        );
    }
    // No restore under a running server.
    let (ok, _, err) = spoke(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--data-dir",
        target,
    ]);
    assert!(!ok);
    assert!(err.contains("in use"), "{err}");
    app.terminate();

    let (ok, _, err) = spoke(&[
        "backup",
        "--to",
        "/tmp/never-written.db",
        "--database-url",
        "postgres://postgres@127.0.0.1/test",
    ]);
    assert!(!ok && err.contains("pg_dump"), "{err}");
}

/// The first start's line naming a failure, from stderr.
fn refused_start(data: &str, extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_spoke"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", data])
        .args(extra)
        .env_remove("SPOKE_ENCRYPTION_KEY_FILE")
        .output()
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn files_hold(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|entry| {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

#[tokio::test]
async fn an_encrypted_database_opens_only_with_its_key_and_can_be_rekeyed() {
    let token = "ci-token-0123456789abcdef";
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let (first, second) = (
        keys.path().join("first.key"),
        keys.path().join("second.key"),
    );
    std::fs::write(&first, [1u8; 32]).unwrap();
    std::fs::write(&second, "a second key, long enough to be one\n").unwrap();
    let data = dir.path().to_str().unwrap();
    let keyed = |key: &Path| {
        vec![
            "--encryption-key-file".to_string(),
            key.display().to_string(),
        ]
    };

    let args: Vec<String> = [
        vec!["--data-dir".to_string(), data.to_string()],
        keyed(&first),
    ]
    .concat();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let app = start_with(&args, &[("SPOKE_BOOTSTRAP_TOKEN", token)]);
    let client = reqwest::Client::new();
    assert_eq!(
        create(&client, &app.base, token, "hidden.person@x.io").await,
        201
    );
    let (ok, _) = app.terminate();
    assert!(ok);
    assert!(
        !files_hold(dir.path(), "hidden.person@x.io"),
        "no file of the data directory holds the email in clear"
    );

    let err = refused_start(data, &[]);
    assert!(
        err.contains("encrypted") && err.contains("--encryption-key-file"),
        "{err}"
    );
    let wrong: Vec<String> = keyed(&second);
    let err = refused_start(data, &wrong.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("does not open with this key"), "{err}");

    // A backup stays encrypted, and restores with the key.
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("b.db");
    let first_key = first.display().to_string();
    let (ok, _, err) = spoke(&[
        "backup",
        "--to",
        file.to_str().unwrap(),
        "--data-dir",
        data,
        "--encryption-key-file",
        &first_key,
    ]);
    assert!(ok, "{err}");
    assert!(!files_hold(backups.path(), "hidden.person@x.io"));

    let second_key = second.display().to_string();
    let (ok, out, err) = spoke(&[
        "rekey",
        "--data-dir",
        data,
        "--encryption-key-file",
        &first_key,
        "--new-key-file",
        &second_key,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("now encrypted"), "{out}");
    let err = refused_start(data, &["--encryption-key-file", &first_key]);
    assert!(err.contains("does not open with this key"), "{err}");
    let app = start_with(
        &["--data-dir", data, "--encryption-key-file", &second_key],
        &[("SPOKE_BOOTSTRAP_TOKEN", token)],
    );
    assert_eq!(
        status_of(
            &app.base,
            "/crm/v3/objects/contacts/hidden.person@x.io?idProperty=email",
            token
        )
        .await,
        200
    );
    app.terminate();

    // A plain database is encrypted by rekey without an old key.
    let plain = tempfile::tempdir().unwrap();
    let plain_data = plain.path().to_str().unwrap();
    let app = start_with(
        &["--data-dir", plain_data],
        &[("SPOKE_BOOTSTRAP_TOKEN", token)],
    );
    assert_eq!(
        create(&client, &app.base, token, "plain.person@x.io").await,
        201
    );
    app.terminate();
    assert!(
        files_hold(plain.path(), "plain.person@x.io"),
        "a plain database is plain"
    );
    let (ok, _, err) = spoke(&[
        "rekey",
        "--data-dir",
        plain_data,
        "--new-key-file",
        &first_key,
    ]);
    assert!(ok, "{err}");
    assert!(!files_hold(plain.path(), "plain.person@x.io"));
    let app = start_with(
        &[
            "--data-dir",
            plain_data,
            "--encryption-key-file",
            &first_key,
        ],
        &[("SPOKE_BOOTSTRAP_TOKEN", token)],
    );
    assert_eq!(
        status_of(
            &app.base,
            "/crm/v3/objects/contacts/plain.person@x.io?idProperty=email",
            token
        )
        .await,
        200
    );
    app.terminate();
}
