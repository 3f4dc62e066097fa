//! The admin commands (`spoke portals|private-apps|apps|api-key`) against a
//! running server, as a user's script runs them, and the admin token the
//! first start prints.

#[path = "support/process.rs"]
mod process;

use process::{admin_command, start_with};
use serde_json::Value;

async fn status(base: &str, method: reqwest::Method, path: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .json(&serde_json::json!({"properties": {}}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[tokio::test]
async fn the_first_start_prints_the_admin_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let first = start_with(&["--data-dir", &data], &[]);
    let admin = first
        .printed_admin_token()
        .expect("an admin token at the first start");
    assert!(first.printed_token().is_some());
    let (ok, out, err) = admin_command(&first.base, Some(&admin), &["portals", "list", "--json"]);
    assert!(ok, "{err}");
    assert_eq!(json_of(&out)["results"].as_array().unwrap().len(), 1);
    let (ok, stderr) = first.terminate();
    assert!(ok);
    assert!(!stderr.contains(&admin), "the admin token is never logged");

    let second = start_with(&["--data-dir", &data], &[]);
    assert_eq!(second.printed_admin_token(), None, "printed only once");
    let (ok, _, err) = admin_command(&second.base, Some(&admin), &["portals", "list"]);
    assert!(ok, "{err}");
    second.terminate();

    // A chosen admin token is used and never printed.
    let chosen = "ci-admin-token-0123456789";
    let third = start_with(&["--data-dir", &data], &[("SPOKE_ADMIN_TOKEN", chosen)]);
    assert!(!third.printed.iter().any(|l| l.contains(chosen)));
    let (ok, _, err) = admin_command(&third.base, Some(chosen), &["portals", "list"]);
    assert!(ok, "{err}");
    third.terminate();
}

#[tokio::test]
async fn portals_apps_and_keys_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "ci-admin-token-0123456789";
    let server = start_with(
        &["--data-dir", dir.path().to_str().unwrap()],
        &[("SPOKE_ADMIN_TOKEN", admin)],
    );
    let base = server.base.clone();
    let run = |args: &[&str]| {
        let (ok, out, err) = admin_command(&base, Some(admin), args);
        assert!(ok, "{args:?}: {err}");
        out
    };

    // A table by default.
    let table = run(&[
        "portals", "create", "--name", "Staging", "--tier", "starter",
    ]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("PORTAL ID  NAME     TIER     ACCESS TOKEN"),
        "{table}"
    );
    let cells: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(cells[1..3], ["Staging", "starter"]);
    let portal = cells[0].to_string();
    let token = cells[3].to_string();
    assert!(token.starts_with("pat-na1-"));
    assert_eq!(
        status(
            &base,
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            &token
        )
        .await,
        200
    );

    // JSON with --json: the admin API's own answer.
    let listed = json_of(&run(&["portals", "list", "--json"]));
    let ids: Vec<String> = listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["portalId"].to_string())
        .collect();
    assert!(ids.contains(&portal), "{listed}");
    let table = run(&["portals", "list"]);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&portal) && l.contains("Staging")),
        "{table}"
    );

    let app = json_of(&run(&[
        "private-apps",
        "create",
        &portal,
        "--name",
        "Reader",
        "--scope",
        "crm.objects.contacts.read",
        "--json",
    ]));
    let reader = app["accessToken"].as_str().unwrap().to_string();
    assert_eq!(
        app["scopes"],
        serde_json::json!(["crm.objects.contacts.read"])
    );
    assert_eq!(
        status(
            &base,
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            &reader
        )
        .await,
        200
    );
    assert_eq!(
        status(
            &base,
            reqwest::Method::POST,
            "/crm/v3/objects/contacts",
            &reader
        )
        .await,
        403
    );
    let app_id = app["appId"].to_string();
    let out = run(&["private-apps", "delete", &portal, &app_id]);
    assert!(
        out.contains(&format!("Deleted private app {app_id}")),
        "{out}"
    );
    assert_eq!(
        status(
            &base,
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            &reader
        )
        .await,
        401
    );

    let key = json_of(&run(&["api-key", "rotate", &portal, "--json"]));
    let key = key["apiKey"].as_str().unwrap().to_string();
    let with_key = reqwest::get(format!("{base}/crm/v3/objects/contacts?hapikey={key}"))
        .await
        .unwrap();
    assert_eq!(with_key.status().as_u16(), 200);
    run(&["api-key", "delete", &portal]);
    let without = reqwest::get(format!("{base}/crm/v3/objects/contacts?hapikey={key}"))
        .await
        .unwrap();
    assert_eq!(without.status().as_u16(), 401);

    let table = run(&[
        "apps",
        "create",
        "--name",
        "Connector",
        "--redirect-uri",
        "http://localhost:3000/cb",
        "--scope",
        "crm.objects.contacts.read,oauth",
        "--optional-scope",
        "crm.objects.contacts.write",
        "--access-token-ttl-seconds",
        "60",
    ]);
    assert!(table.starts_with("APP ID"), "{table}");
    assert!(table.contains("shown only this once"), "{table}");

    // A reset empties the portal; its token still works.
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{base}/crm/v3/objects/contacts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"properties": {"email": "reset@cli.io"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let count = |body: Value| body["results"].as_array().map(Vec::len);
    let contacts_of = |http: reqwest::Client, base: String, token: String| async move {
        let reply = http
            .get(format!("{base}/crm/v3/objects/contacts"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status().as_u16(), 200);
        reply.json::<Value>().await.unwrap()
    };
    assert_eq!(
        count(contacts_of(http.clone(), base.clone(), token.clone()).await),
        Some(1)
    );
    // A snapshot taken with one contact comes back after the reset below;
    // a clone with data has the contact too.
    let out = run(&["snapshots", "take", &portal, "one-contact"]);
    assert!(
        out.starts_with("NAME") && out.contains("one-contact"),
        "{out}"
    );
    let snapshots = json_of(&run(&["snapshots", "list", &portal, "--json"]));
    assert_eq!(snapshots["results"][0]["contacts"], 1, "{snapshots}");
    let clone = json_of(&run(&[
        "portals",
        "clone",
        &portal,
        "--with-data",
        "--json",
    ]));
    let clone_token = clone["accessToken"].as_str().unwrap().to_string();
    assert_eq!(
        count(contacts_of(http.clone(), base.clone(), clone_token).await),
        Some(1)
    );
    let out = run(&["portals", "reset", &portal, "--keep-properties"]);
    assert!(out.contains(&format!("Reset portal {portal}")), "{out}");
    assert_eq!(
        count(contacts_of(http.clone(), base.clone(), token.clone()).await),
        Some(0)
    );
    let out = run(&["snapshots", "restore", &portal, "one-contact"]);
    assert!(out.contains("Restored portal"), "{out}");
    assert_eq!(
        count(contacts_of(http.clone(), base.clone(), token.clone()).await),
        Some(1)
    );
    let out = run(&["snapshots", "delete", &portal, "one-contact"]);
    assert!(out.contains("Deleted snapshot one-contact"), "{out}");
    let seeded = json_of(&run(&[
        "seed",
        "--portal",
        &portal,
        "--contacts",
        "1500",
        "--seed",
        "7",
        "--json",
    ]));
    assert_eq!(seeded["contacts"], 1500, "{seeded}");
    let out = run(&[
        "seed",
        "--portal",
        &portal,
        "--contacts",
        "5",
        "--seed",
        "7",
    ]);
    assert!(out.starts_with("Seeded 5 contacts"), "{out}");
    // The journal lists the calls made with the portal's token, newest
    // first; tail follows new ones.
    let listed = run(&["requests", "list", &portal, "--path", "/search"]);
    assert!(listed.is_empty(), "no search yet: {listed}");
    let tail = {
        let base = base.clone();
        let portal = portal.clone();
        std::thread::spawn(move || {
            admin_command(
                &base,
                Some(admin),
                &["requests", "tail", &portal, "--count", "1"],
            )
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    let total = http
        .post(format!("{base}/crm/v3/objects/contacts/search"))
        .bearer_auth(&token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    // The restored contact and 1,500 seeded (the first five again: the
    // same emails, upserted).
    assert_eq!(total["total"], 1501, "{total}");
    let (ok, out, err) = tail.join().unwrap();
    assert!(ok, "{err}");
    assert!(
        out.contains("POST") && out.contains("/crm/v3/objects/contacts/search"),
        "{out}"
    );
    let listed = run(&["requests", "list", &portal, "--path", "/search"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.contains(" 200 "), "{listed}");

    let out = run(&["portals", "delete", &portal]);
    assert!(out.contains(&format!("Deleted portal {portal}")), "{out}");
    assert_eq!(
        status(
            &base,
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            &token
        )
        .await,
        401
    );
    server.terminate();
}

#[tokio::test]
async fn admin_commands_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "ci-admin-token-0123456789";
    let server = start_with(
        &["--data-dir", dir.path().to_str().unwrap()],
        &[("SPOKE_ADMIN_TOKEN", admin)],
    );
    let (ok, _, err) = admin_command(&server.base, None, &["portals", "list"]);
    assert!(!ok);
    assert!(
        err.contains("no admin token: pass --admin-token or set SPOKE_ADMIN_TOKEN"),
        "{err}"
    );
    let (ok, _, err) = admin_command(
        &server.base,
        Some("wrong-admin-token-0000"),
        &["portals", "list"],
    );
    assert!(!ok);
    assert!(
        err.contains("401 Unauthorized: The admin token is not valid for this Spoke server."),
        "{err}"
    );
    let (ok, _, err) = admin_command(
        &server.base,
        Some(admin),
        &["portals", "create", "--tier", "gold"],
    );
    assert!(!ok);
    assert!(
        err.contains("400 Bad Request: tier must be one of"),
        "{err}"
    );
    let (ok, _, err) = admin_command(&server.base, Some(admin), &["portals", "delete", "424242"]);
    assert!(!ok);
    assert!(
        err.contains("404 Not Found: Portal 424242 does not exist."),
        "{err}"
    );
    server.terminate();
    let (ok, _, err) = admin_command("http://127.0.0.1:9", Some(admin), &["portals", "list"]);
    assert!(!ok);
    assert!(
        err.contains("cannot reach Spoke at http://127.0.0.1:9"),
        "{err}"
    );
}

#[tokio::test]
async fn spoke_import_and_spoke_export_move_contacts_through_files() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "ci-admin-token-0123456789";
    let server = start_with(
        &["--data-dir", dir.path().to_str().unwrap()],
        &[("SPOKE_ADMIN_TOKEN", admin)],
    );
    let base = server.base.clone();
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("people.csv");
    std::fs::write(
        &csv,
        "\u{feff}E-mail;First Name;Notes\nann@cli.io;Ann;skip me\nnot-an-email;Bad;\nbo@cli.io;Bo;\n",
    )
    .unwrap();
    let file = csv.to_str().unwrap();

    // An unmapped column refuses the whole file, clearly.
    let (ok, _, err) = admin_command(&base, Some(admin), &["import", file, "--portal", "1"]);
    assert!(!ok);
    assert!(
        err.contains("\"E-mail\" matches no contact property"),
        "{err}"
    );
    assert!(err.contains("\"Notes\""), "{err}");

    let args = [
        "import",
        file,
        "--portal",
        "1",
        "--map",
        "E-mail=email",
        "--map",
        "Notes=",
    ];
    let (ok, out, err) = admin_command(&base, Some(admin), &args);
    assert!(ok, "{err}");
    assert!(
        out.contains("3 rows") && out.contains("2 created") && out.contains("1 refused"),
        "{out}"
    );
    let errors_file = files.path().join("people.errors.csv");
    let errors = std::fs::read_to_string(&errors_file).unwrap();
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines[0], "line,errorType,column,invalidValue,message,row");
    assert!(
        lines[1].starts_with("3,INVALID_EMAIL,0,not-an-email,"),
        "{errors}"
    );
    assert_eq!(lines.len(), 2, "{errors}");

    // Again: nothing changes.
    let (ok, out, err) = admin_command(&base, Some(admin), &args);
    assert!(ok, "{err}");
    assert!(out.contains("0 created, 2 updated"), "{out}");

    let exported = files.path().join("out.csv");
    let (ok, out, err) = admin_command(
        &base,
        Some(admin),
        &[
            "export",
            "--portal",
            "1",
            "--properties",
            "email,firstname",
            "--output",
            exported.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("Exported 2 contacts"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        "email,firstname\nann@cli.io,Ann\nbo@cli.io,Bo\n"
    );
    // To standard output, the data and nothing else.
    let (ok, out, err) = admin_command(
        &base,
        Some(admin),
        &[
            "export",
            "--portal",
            "1",
            "--format",
            "jsonl",
            "--properties",
            "email",
        ],
    );
    assert!(ok, "{err}");
    let emails: Vec<String> = out
        .lines()
        .map(|l| {
            json_of(l)["properties"]["email"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(emails, ["ann@cli.io", "bo@cli.io"]);
}
