//! `spoke import` of a CSV file of N realistic contacts into a fresh
//! portal, beside the batch/create ingest of the same contacts into another
//! fresh portal in the same run (the reference), then the same file again
//! (which changes nothing); the server's and the CLI's peak RSS.

use crate::data;
use crate::load::Call;
use crate::memory::PeakRss;
use crate::webhooks::{admin, json};
use crate::Target;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const COLUMNS: [&str; 8] = [
    "email",
    "firstname",
    "lastname",
    "company",
    "city",
    "jobtitle",
    "phone",
    "lifecyclestage",
];

/// Writes the file: the same contacts `batch/create` ingests.
fn write_csv(path: &Path, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("csv file"));
    writeln!(out, "{}", COLUMNS.join(",")).unwrap();
    for n in 0..rows {
        let mut rng = data::Rng::new(n + 1);
        let properties = data::contact_properties(&mut rng, n);
        let fields: Vec<String> = COLUMNS
            .iter()
            .map(|c| {
                let v = properties[c].as_str().unwrap_or_default();
                format!("\"{}\"", v.replace('"', "\"\""))
            })
            .collect();
        writeln!(out, "{}", fields.join(",")).unwrap();
    }
    out.flush().unwrap();
}

async fn fresh_portal(target: &Target, admin_token: &str, name: &str) -> (i64, String) {
    let created = admin(
        target.addr,
        admin_token,
        Call::post(
            "/_spoke/v1/portals",
            json(serde_json::json!({"name": name})),
        ),
    )
    .await;
    (
        created["portalId"].as_i64().unwrap(),
        created["accessToken"].as_str().unwrap().to_string(),
    )
}

/// Runs `spoke import`; seconds taken, the CLI's and the server's peak RSS
/// in MiB.
fn spoke_import(
    spoke: &Path,
    target: &Target,
    admin_token: &str,
    portal: i64,
    file: &Path,
) -> (f64, f64, f64) {
    if let Some(rss) = target.server_pid.and_then(crate::memory::rss_bytes) {
        println!(
            "  server RSS before: {:.0} MiB",
            rss as f64 / 1024.0 / 1024.0
        );
    }
    let server = PeakRss::start(target.server_pid);
    let started = Instant::now();
    let mut child = Command::new(spoke)
        .args([
            "import",
            &file.display().to_string(),
            "--portal",
            &portal.to_string(),
        ])
        .args(["--server", &format!("http://{}", target.addr)])
        .args(["--admin-token", admin_token, "--json"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spoke import runs");
    let cli = PeakRss::start(Some(child.id()));
    let status = child.wait().expect("spoke import ends");
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "spoke import failed");
    (seconds, cli.peak_mib(), server.peak_mib())
}

pub async fn run(target: &Target, admin_token: &str, spoke: &Path, rows: u64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("contacts.csv");
    write_csv(&file, rows);
    let bytes = std::fs::metadata(&file).unwrap().len();
    println!(
        "import: {rows} rows, {:.0} MiB of CSV",
        bytes as f64 / 1024.0 / 1024.0
    );

    let (_, token) = fresh_portal(target, admin_token, "ingest reference").await;
    let reference = Target {
        token,
        ..target.clone()
    };
    let ingested = crate::ingest::ingest(&reference, rows, 100, 4).await;
    std::thread::sleep(crate::ingest::pause());

    let (portal, _) = fresh_portal(target, admin_token, "import").await;
    let (seconds, cli, server) = spoke_import(spoke, target, admin_token, portal, &file);
    let imported = rows as f64 / seconds;
    println!(
        "import: {rows} rows in {seconds:.1} s = {imported:.0} rows/s; spoke import peak RSS {cli:.0} MiB, server peak RSS {server:.0} MiB"
    );
    let (again, cli, server) = spoke_import(spoke, target, admin_token, portal, &file);
    println!(
        "import again (changes nothing): {rows} rows in {again:.1} s = {:.0} rows/s; spoke import peak RSS {cli:.0} MiB, server peak RSS {server:.0} MiB",
        rows as f64 / again
    );
    println!("import / batch/create ingest: {:.2}", imported / ingested);
}
