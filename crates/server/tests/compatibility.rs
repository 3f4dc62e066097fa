//! COMPATIBILITY.md and Spoke's OpenAPI document (`crates/api/openapi.json`,
//! served at `/openapi.json`), generated from what the router serves.
//!
//! Every operation of HubSpot's OpenAPI files (`compat/hubspot-specs/`) is
//! called on a fresh Spoke without a credential, its path parameters
//! filled in: a "no route" or "does not implement" 404, or a 405, means
//! Spoke does not serve it; any other answer (401 first of all) means it
//! does. The test fails when either file is stale;
//! `SPOKE_UPDATE_COMPATIBILITY=1 cargo test -p spoke --test compatibility`
//! writes them again.

use serde_json::{json, Map, Value};
use spoke::config::Config;
use spoke::startup::Application;
use spoke_store_sqlite::Synchronous;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The spec files, in the order the document lists them, with a title.
const SPECS: &[(&str, &str)] = &[
    ("crm-contacts-v3.json", "Contacts v3"),
    ("crm-contacts-2026-03.json", "Contacts 2026-03"),
    ("crm-properties-v3.json", "Properties v3"),
    ("crm-lists-v3.json", "Lists v3"),
    ("webhooks-v3.json", "Webhooks v3"),
    ("oauth-v1.json", "OAuth v1"),
    ("oauth-v3.json", "OAuth v3"),
    ("crm-associations-v4.json", "Associations v4"),
    ("crm-associations-v3.json", "Associations v3"),
];

/// What is missing from operations Spoke serves only in part.
const PARTLY: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/crm/v3/objects/contacts",
        "`associations` in the body are refused (Spoke stores no associations)",
    ),
    (
        "POST",
        "/crm/v3/objects/contacts/batch/create",
        "`associations` in the inputs are refused",
    ),
    (
        "POST",
        "/crm/objects/2026-03/contacts",
        "`associations` in the body are refused (Spoke stores no associations)",
    ),
    (
        "POST",
        "/crm/objects/2026-03/contacts/batch/create",
        "`associations` in the inputs are refused",
    ),
    (
        "GET",
        "/crm/v3/objects/contacts/{contactId}",
        "`associations` are not returned",
    ),
    (
        "GET",
        "/crm/v3/objects/contacts",
        "`associations` are not returned",
    ),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path with every parameter filled in.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in template.chars() {
        match c {
            '{' => {
                inside = true;
                out.push('1');
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

async fn served(client: &reqwest::Client, base: &str, method: &str, path: &str) -> bool {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = client.request(method.clone(), format!("{base}{}", concrete(path)));
    if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
        request = request.json(&json!({}));
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let text = reply.text().await.unwrap_or_default();
    let unrouted = status == 405
        || (status == 404
            && (text.contains("no route for") || text.contains("does not implement")));
    !unrouted
}

/// Renames the components of one file that clash with ones already taken
/// (same name, other content), and the references to them.
fn merge_components(
    merged: &mut Map<String, Value>,
    spec: &Value,
    key: &str,
) -> BTreeMap<String, String> {
    let mut renamed = BTreeMap::new();
    for (kind, entries) in spec["components"].as_object().into_iter().flatten() {
        let target = merged
            .entry(kind.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .unwrap();
        for (name, definition) in entries.as_object().into_iter().flatten() {
            match target.get(name) {
                Some(existing) if existing != definition => {
                    let new_name = format!("{name}_{key}");
                    renamed.insert(
                        format!("#/components/{kind}/{name}"),
                        format!("#/components/{kind}/{new_name}"),
                    );
                    target.insert(new_name, definition.clone());
                }
                Some(_) => {}
                None => {
                    target.insert(name.clone(), definition.clone());
                }
            }
        }
    }
    renamed
}

/// `value` with its `$ref`s renamed.
fn rename_refs(value: &Value, renamed: &BTreeMap<String, String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            Value::String(renamed.get(r).cloned().unwrap_or_else(|| r.clone()))
                        }
                        _ => rename_refs(v, renamed),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| rename_refs(v, renamed)).collect())
        }
        other => other.clone(),
    }
}

#[tokio::test]
async fn compatibility_md_and_the_openapi_document_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::sqlite_in(
        "127.0.0.1:0".parse().unwrap(),
        dir.path(),
        Synchronous::Normal,
    );
    let app = Application::build(config).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();

    let mut doc = String::from(
        "# Compatibility with HubSpot's APIs\n\n\
         Generated by `crates/server/tests/compatibility.rs` from HubSpot's OpenAPI files in\n\
         `compat/hubspot-specs/` and the router: every operation is called on a fresh Spoke,\n\
         and one that is not routed is not served. The test fails when this file is stale;\n\
         `SPOKE_UPDATE_COMPATIBILITY=1 cargo test -p spoke --test compatibility` writes it again.\n\n",
    );
    let mut summary = Vec::new();
    let mut sections = String::new();
    let mut paths = Map::new();
    let mut components = Map::new();
    let mut tags: Vec<Value> = Vec::new();
    for (file, title) in SPECS {
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("compat/hubspot-specs").join(file)).unwrap(),
        )
        .unwrap();
        let key = file.trim_end_matches(".json").replace('-', "_");
        let renamed = merge_components(&mut components, &spec, &key);
        for tag in spec["tags"].as_array().into_iter().flatten() {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        let mut rows = Vec::new();
        let (mut full, mut part, mut none) = (0, 0, 0);
        for (path, item) in spec["paths"].as_object().unwrap() {
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let upper = method.to_uppercase();
                let is_served = served(&client, &base, method, path).await;
                let partly = PARTLY
                    .iter()
                    .find(|(m, p, _)| *m == upper && *p == path)
                    .map(|(_, _, note)| *note);
                let (status, note) = match (is_served, partly) {
                    (true, None) => {
                        full += 1;
                        ("served", String::new())
                    }
                    (true, Some(note)) => {
                        part += 1;
                        ("partly served", note.to_string())
                    }
                    (false, _) => {
                        none += 1;
                        ("not served", String::new())
                    }
                };
                let summary_text = operation["summary"]
                    .as_str()
                    .unwrap_or("")
                    .replace('|', "/");
                rows.push(format!(
                    "| {upper} | `{path}` | {summary_text} | {status} | {note} |"
                ));
                if is_served {
                    let entry = paths
                        .entry(path.clone())
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .unwrap();
                    entry.insert(method.to_string(), rename_refs(operation, &renamed));
                    if let Some(parameters) = item.get("parameters") {
                        entry.insert("parameters".into(), rename_refs(parameters, &renamed));
                    }
                }
            }
        }
        summary.push(format!("| {title} | `{file}` | {full} | {part} | {none} |"));
        sections.push_str(&format!(
            "## {title}\n\n| Method | Path | Operation | Status | What is missing |\n|---|---|---|---|---|\n{}\n\n",
            rows.join("\n")
        ));
    }
    doc.push_str(
        "| API | Spec file | Served | Partly served | Not served |\n|---|---|---:|---:|---:|\n",
    );
    doc.push_str(&summary.join("\n"));
    doc.push_str(
        "\n\nAlso served, with no OpenAPI file of HubSpot's to check against: the legacy\n\
         Contacts v1 (`/contacts/v1`), Lists v1 and Properties v1 APIs, HubSpot's imports\n\
         (`/crm/v3/imports`) and exports (`/crm/v3/exports/export/async`) APIs, account\n\
         details (`/account-info/v3/details`, `/integrations/v1/me`), the daily usage\n\
         (`/integrations/v1/limit/daily`), and Spoke's own sandbox admin API (`/_spoke/v1`).\n\
         A call to a HubSpot API Spoke does not serve gets a 404 that says so.\n\n",
    );
    doc.push_str(&sections);
    let doc = doc.trim_end().to_string() + "\n";

    let openapi = json!({
        "openapi": "3.0.1",
        "info": {
            "title": "Spoke: HubSpot's APIs as Spoke serves them",
            "description": "The operations of HubSpot's OpenAPI files that this Spoke serves (COMPATIBILITY.md says which are served in part). Generated by crates/server/tests/compatibility.rs.",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "servers": [{"url": "/"}],
        "tags": tags,
        "paths": paths,
        "components": components,
    });
    let openapi = serde_json::to_string_pretty(&openapi).unwrap() + "\n";

    let _ = stop.send(());
    server.await.unwrap().unwrap();

    let targets = [
        (root().join("COMPATIBILITY.md"), doc),
        (root().join("crates/api/openapi.json"), openapi),
    ];
    let update = std::env::var("SPOKE_UPDATE_COMPATIBILITY").is_ok_and(|v| v == "1");
    for (path, text) in targets {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == text {
            continue;
        }
        if update {
            std::fs::write(&path, text).unwrap();
        } else {
            panic!(
                "{} is stale: run SPOKE_UPDATE_COMPATIBILITY=1 cargo test -p spoke --test compatibility, and commit it",
                path.display()
            );
        }
    }
}
