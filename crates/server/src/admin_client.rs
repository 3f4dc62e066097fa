//! The admin commands (`spoke portals ...`, `spoke private-apps ...`,
//! `spoke apps ...`, `spoke api-key ...`, `spoke webhooks ...`, and
//! `spoke import` and `spoke export` in [`crate::transfer_client`]): calls to a running server's
//! sandbox admin API, printed as a table or, with `--json`, as the server's
//! JSON. They work the same against SQLite and against any node of a
//! PostgreSQL cluster, since they only speak HTTP.

use crate::cli::{
    ApiKeyCommand, AppsCommand, Command, PortalsCommand, PrivateAppsCommand, RequestsCommand,
    ServerArgs, SnapshotsCommand, WebhooksCommand,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::io::Write;
use std::time::Duration;

/// A failure to report, one line.
#[derive(Debug)]
pub struct CommandError(pub String);

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs an admin command; what to print on success.
pub async fn run(command: Command) -> Result<String, CommandError> {
    match command {
        Command::Serve(_)
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Rekey { .. } => Err(CommandError(
            "serve, backup, restore and rekey are not admin commands".into(),
        )),
        Command::Portals { command, server } => portals(command, &server).await,
        Command::PrivateApps { command, server } => private_apps(command, &server).await,
        Command::Apps { command, server } => apps(command, &server).await,
        Command::ApiKey { command, server } => api_key(command, &server).await,
        Command::Webhooks { command, server } => webhooks(command, &server).await,
        Command::Snapshots { command, server } => snapshots(command, &server).await,
        Command::Requests { command, server } => requests(command, &server).await,
        Command::Seed {
            portal,
            contacts,
            seed,
            server,
        } => seed_portal(portal, contacts, seed, &server).await,
        Command::Import {
            file,
            portal,
            map,
            errors,
            server,
        } => {
            let args = crate::transfer_client::ImportArgs {
                file,
                portal,
                map,
                errors,
            };
            crate::transfer_client::import(args, &server).await
        }
        Command::Export {
            portal,
            format,
            properties,
            archived,
            list,
            output,
            server,
        } => {
            let args = crate::transfer_client::ExportArgs {
                portal,
                format,
                properties,
                archived,
                list,
                output,
            };
            crate::transfer_client::export(args, &server).await
        }
    }
}

/// One call of the journal, as a line.
fn request_line(r: &Value) -> String {
    format!(
        "{}  {:<6} {:<60} {}  {} ms  {}",
        text(&r["at"]),
        text(&r["method"]),
        text(&r["path"]),
        text(&r["status"]),
        text(&r["latencyMs"]),
        text(&r["correlationId"]),
    )
}

async fn requests(command: RequestsCommand, server: &ServerArgs) -> Result<String, CommandError> {
    match command {
        RequestsCommand::List {
            portal_id,
            path,
            status,
        } => {
            let mut query = format!("/portals/{portal_id}/requests?limit=100");
            if let Some(path) = path {
                query.push_str(&format!("&path={}", urlencode(&path)));
            }
            if let Some(status) = status {
                query.push_str(&format!("&status={status}"));
            }
            let answer = call(server, Method::GET, &query, None).await?;
            Ok(show(server, &answer, |a| {
                a["results"]
                    .as_array()
                    .map(|r| r.iter().map(request_line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            }))
        }
        RequestsCommand::Tail { portal_id, count } => {
            // From the newest call on.
            let newest = call(
                server,
                Method::GET,
                &format!("/portals/{portal_id}/requests?limit=1"),
                None,
            )
            .await?;
            let mut after = newest["results"][0]["id"].as_i64().unwrap_or(0);
            let mut printed = 0usize;
            let stdout = std::io::stdout();
            loop {
                let page = call(
                    server,
                    Method::GET,
                    &format!("/portals/{portal_id}/requests?after={after}&limit=1000"),
                    None,
                )
                .await?;
                let mut results = page["results"].as_array().cloned().unwrap_or_default();
                results.reverse();
                for r in &results {
                    after = r["id"].as_i64().unwrap_or(after);
                    let line = if server.json {
                        r.to_string()
                    } else {
                        request_line(r)
                    };
                    let mut out = stdout.lock();
                    let _ = writeln!(out, "{line}");
                    let _ = out.flush();
                    printed += 1;
                    if count.is_some_and(|n| printed >= n) {
                        return Ok(String::new());
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
        }
    }
}

/// A query parameter's value, percent-encoded.
pub(crate) fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A progress bar on standard error (hidden with `--json`).
pub(crate) fn progress_bar(
    server: &ServerArgs,
    len: u64,
    template: &str,
) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if server.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Contacts per seed call: small enough for a smooth progress bar.
const SEED_STEP: u64 = 1_000;

async fn seed_portal(
    portal: i64,
    contacts: u64,
    seed: u64,
    server: &ServerArgs,
) -> Result<String, CommandError> {
    let bar = progress_bar(
        server,
        contacts,
        "{bar:40} {pos}/{len} contacts  {per_sec}  {eta} left",
    );
    let (mut written, mut changes) = (0u64, 0u64);
    while written < contacts {
        let step = SEED_STEP.min(contacts - written);
        let answer = call(
            server,
            Method::POST,
            &format!("/portals/{portal}/seed"),
            Some(json!({ "contacts": step, "seed": seed, "offset": written })),
        )
        .await?;
        written += step;
        changes += answer["changes"].as_u64().unwrap_or(0);
        bar.set_position(written);
    }
    bar.finish_and_clear();
    let answer = json!({
        "portalId": portal,
        "seed": seed,
        "contacts": written,
        "changes": changes,
    });
    Ok(show(server, &answer, |_| {
        format!("Seeded {written} contacts ({changes} later changes) into portal {portal} with seed {seed}.")
    }))
}

async fn snapshots(command: SnapshotsCommand, server: &ServerArgs) -> Result<String, CommandError> {
    let listed = |a: &Value| {
        table(
            &["NAME", "CREATED", "CONTACTS"],
            &[fields(a, &["name", "createdAt", "contacts"])],
        )
    };
    match command {
        SnapshotsCommand::Take { portal_id, name } => {
            let answer = call(
                server,
                Method::POST,
                &format!("/portals/{portal_id}/snapshots"),
                Some(json!({ "name": name })),
            )
            .await?;
            Ok(show(server, &answer, listed))
        }
        SnapshotsCommand::List { portal_id } => {
            let answer = call(
                server,
                Method::GET,
                &format!("/portals/{portal_id}/snapshots"),
                None,
            )
            .await?;
            Ok(show(server, &answer, |a| {
                let rows: Vec<Vec<String>> = a["results"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .map(|s| fields(s, &["name", "createdAt", "contacts"]))
                            .collect()
                    })
                    .unwrap_or_default();
                table(&["NAME", "CREATED", "CONTACTS"], &rows)
            }))
        }
        SnapshotsCommand::Restore { portal_id, name } => {
            let answer = call(
                server,
                Method::POST,
                &format!("/portals/{portal_id}/snapshots/{name}/restore"),
                None,
            )
            .await?;
            Ok(show(server, &answer, |_| {
                format!("Restored portal {portal_id} to snapshot {name}.")
            }))
        }
        SnapshotsCommand::Delete { portal_id, name } => {
            call(
                server,
                Method::DELETE,
                &format!("/portals/{portal_id}/snapshots/{name}"),
                None,
            )
            .await?;
            Ok(done(
                server,
                format!("Deleted snapshot {name} of portal {portal_id}."),
            ))
        }
    }
}

async fn webhooks(command: WebhooksCommand, server: &ServerArgs) -> Result<String, CommandError> {
    match command {
        WebhooksCommand::Tail { from_start, count } => tail(server, from_start, count).await,
        WebhooksCommand::List {
            portal_id,
            app_id,
            status,
        } => {
            let mut path = format!("/portals/{portal_id}/webhook-deliveries?limit=100");
            if let Some(app) = app_id {
                path.push_str(&format!("&appId={app}"));
            }
            if let Some(status) = status {
                path.push_str(&format!("&status={status}"));
            }
            let answer = call(server, Method::GET, &path, None).await?;
            Ok(show(server, &answer, |a| {
                let rows: Vec<Vec<String>> = a["results"]
                    .as_array()
                    .map(|list| {
                        list.iter()
                            .map(|d| {
                                let mut row = fields(d, &["id", "appId", "status", "createdAt"]);
                                row.insert(
                                    3,
                                    d["events"].as_array().map_or(0, Vec::len).to_string(),
                                );
                                row.insert(
                                    4,
                                    d["attempts"].as_array().map_or(0, Vec::len).to_string(),
                                );
                                row.push(text(&d["url"]));
                                row
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                table(
                    &[
                        "DELIVERY", "APP", "STATUS", "EVENTS", "ATTEMPTS", "CREATED", "URL",
                    ],
                    &rows,
                )
            }))
        }
        WebhooksCommand::Replay { delivery_id } => {
            let answer = call(
                server,
                Method::POST,
                &format!("/webhook-deliveries/{delivery_id}/replay"),
                None,
            )
            .await?;
            Ok(show(server, &answer, |a| {
                format!(
                    "Delivery {delivery_id} queued again as delivery {} ({} events to {}).",
                    text(&a["id"]),
                    a["events"].as_array().map_or(0, Vec::len),
                    text(&a["url"])
                )
            }))
        }
    }
}

/// Follows `/_spoke/v1/webhook-attempts`, printing each attempt once.
async fn tail(
    server: &ServerArgs,
    from_start: bool,
    count: Option<usize>,
) -> Result<String, CommandError> {
    let mut after = 0i64;
    if !from_start {
        // Skip what happened before.
        loop {
            let page = call(
                server,
                Method::GET,
                &format!("/webhook-attempts?after={after}"),
                None,
            )
            .await?;
            let results = page["results"].as_array().cloned().unwrap_or_default();
            match results.last() {
                Some(last) => after = last["id"].as_i64().unwrap_or(after),
                None => break,
            }
        }
    }
    let mut printed = 0usize;
    let stdout = std::io::stdout();
    loop {
        let page = call(
            server,
            Method::GET,
            &format!("/webhook-attempts?after={after}"),
            None,
        )
        .await?;
        let results = page["results"].as_array().cloned().unwrap_or_default();
        for attempt in &results {
            after = attempt["id"].as_i64().unwrap_or(after);
            let line = if server.json {
                attempt.to_string()
            } else {
                attempt_line(attempt)
            };
            let mut out = stdout.lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
            printed += 1;
            if count.is_some_and(|n| printed >= n) {
                return Ok(String::new());
            }
        }
        if results.is_empty() {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// One attempt as `tail` prints it.
fn attempt_line(a: &Value) -> String {
    let outcome = match (a["statusCode"].as_i64(), a["error"].as_str()) {
        (Some(code), _) => code.to_string(),
        (None, Some(error)) => format!("error: {error}"),
        (None, None) => "no answer".to_string(),
    };
    format!(
        "{}  delivery {}  attempt {}  portal {}  app {}  {}  {}  {} ms  {}",
        text(&a["at"]),
        text(&a["deliveryId"]),
        text(&a["attemptNumber"]),
        text(&a["portalId"]),
        text(&a["appId"]),
        if a["delivered"].as_bool() == Some(true) {
            "delivered"
        } else {
            "failed"
        },
        outcome,
        text(&a["latencyMs"]),
        text(&a["url"]),
    )
}

async fn portals(command: PortalsCommand, server: &ServerArgs) -> Result<String, CommandError> {
    match command {
        PortalsCommand::Create { name, tier } => {
            let body = without_nulls(json!({ "name": name, "tier": tier }));
            let answer = call(server, Method::POST, "/portals", Some(body)).await?;
            Ok(show(server, &answer, |a| {
                table(
                    &["PORTAL ID", "NAME", "TIER", "ACCESS TOKEN"],
                    &[fields(a, &["portalId", "name", "tier", "accessToken"])],
                ) + "\nThe access token is shown only this once."
            }))
        }
        PortalsCommand::List => {
            let answer = call(server, Method::GET, "/portals", None).await?;
            Ok(show(server, &answer, |a| {
                let rows: Vec<Vec<String>> = a["results"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .map(|p| {
                                fields(p, &["portalId", "name", "tier", "isDefault", "createdAt"])
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                table(&["PORTAL ID", "NAME", "TIER", "DEFAULT", "CREATED"], &rows)
            }))
        }
        PortalsCommand::Delete { portal_id } => {
            call(
                server,
                Method::DELETE,
                &format!("/portals/{portal_id}"),
                None,
            )
            .await?;
            Ok(done(
                server,
                format!("Deleted portal {portal_id} and all its data."),
            ))
        }
        PortalsCommand::Clone {
            portal_id,
            name,
            with_data,
        } => {
            let body = without_nulls(json!({ "name": name, "withData": with_data }));
            let answer = call(
                server,
                Method::POST,
                &format!("/portals/{portal_id}/clone"),
                Some(body),
            )
            .await?;
            Ok(show(server, &answer, |a| {
                table(
                    &["PORTAL ID", "NAME", "TIER", "ACCESS TOKEN"],
                    &[fields(a, &["portalId", "name", "tier", "accessToken"])],
                ) + "\nThe access token is shown only this once."
            }))
        }
        PortalsCommand::Reset {
            portal_id,
            keep_properties,
        } => {
            let body = json!({ "keepProperties": keep_properties });
            let answer = call(
                server,
                Method::POST,
                &format!("/portals/{portal_id}/reset"),
                Some(body),
            )
            .await?;
            let kept = if keep_properties {
                "its custom properties"
            } else {
                "HubSpot's standard properties"
            };
            Ok(show(server, &answer, |_| {
                format!("Reset portal {portal_id}: no contacts or lists left; its tokens, apps and {kept} stay.")
            }))
        }
    }
}

async fn private_apps(
    command: PrivateAppsCommand,
    server: &ServerArgs,
) -> Result<String, CommandError> {
    match command {
        PrivateAppsCommand::Create {
            portal_id,
            name,
            scopes,
        } => {
            let body = without_nulls(json!({ "name": name, "scopes": scopes }));
            let answer = call(
                server,
                Method::POST,
                &format!("/portals/{portal_id}/private-apps"),
                Some(body),
            )
            .await?;
            Ok(show(server, &answer, |a| {
                let mut row = fields(a, &["appId", "accessToken"]);
                row.push(
                    a["scopes"]
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default(),
                );
                table(&["APP ID", "ACCESS TOKEN", "SCOPES"], &[row])
                    + "\nThe access token is shown only this once."
            }))
        }
        PrivateAppsCommand::Delete { portal_id, app_id } => {
            call(
                server,
                Method::DELETE,
                &format!("/portals/{portal_id}/private-apps/{app_id}"),
                None,
            )
            .await?;
            Ok(done(
                server,
                format!("Deleted private app {app_id}: its token no longer works."),
            ))
        }
    }
}

async fn apps(command: AppsCommand, server: &ServerArgs) -> Result<String, CommandError> {
    let AppsCommand::Create {
        name,
        redirect_uris,
        scopes,
        optional_scopes,
        access_token_ttl_seconds,
    } = command;
    let body = without_nulls(json!({
        "name": name,
        "redirectUris": redirect_uris,
        "scopes": scopes,
        "optionalScopes": optional_scopes,
        "accessTokenTtlSeconds": access_token_ttl_seconds,
    }));
    let answer = call(server, Method::POST, "/apps", Some(body)).await?;
    Ok(show(server, &answer, |a| {
        table(
            &["APP ID", "CLIENT ID", "CLIENT SECRET", "DEVELOPER API KEY"],
            &[fields(
                a,
                &["appId", "clientId", "clientSecret", "developerApiKey"],
            )],
        ) + "\nThe client secret and developer API key are shown only this once."
    }))
}

async fn api_key(command: ApiKeyCommand, server: &ServerArgs) -> Result<String, CommandError> {
    match command {
        ApiKeyCommand::Rotate { portal_id } => {
            let answer = call(
                server,
                Method::PUT,
                &format!("/portals/{portal_id}/api-key"),
                None,
            )
            .await?;
            Ok(show(server, &answer, |a| {
                table(
                    &["PORTAL ID", "API KEY"],
                    &[vec![portal_id.to_string(), text(&a["apiKey"])]],
                ) + "\nThe API key is shown only this once; the previous one no longer works."
            }))
        }
        ApiKeyCommand::Delete { portal_id } => {
            call(
                server,
                Method::DELETE,
                &format!("/portals/{portal_id}/api-key"),
                None,
            )
            .await?;
            Ok(done(
                server,
                format!("Deleted the API key of portal {portal_id}."),
            ))
        }
    }
}

/// One call to the admin API; the JSON answer (`null` for 204).
pub(crate) async fn call(
    server: &ServerArgs,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, CommandError> {
    let body = body.map(|b| reqwest::Body::from(b.to_string()));
    answer(send(server, method, path, body).await?).await
}

/// Sends a call of the admin API (a body is sent as JSON unless it is a
/// stream); the response, whatever its status.
pub(crate) async fn send(
    server: &ServerArgs,
    method: Method,
    path: &str,
    body: Option<reqwest::Body>,
) -> Result<reqwest::Response, CommandError> {
    let token = server.admin_token.as_deref().ok_or_else(|| {
        CommandError(
            "no admin token: pass --admin-token or set SPOKE_ADMIN_TOKEN (Spoke printed it at its first start)".into(),
        )
    })?;
    let url = format!("{}/_spoke/v1{path}", server.server.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let mut request = client.request(method, &url).bearer_auth(token);
    if let Some(body) = body {
        let streamed = body.as_bytes().is_none();
        request = request
            .header(
                reqwest::header::CONTENT_TYPE,
                if streamed {
                    "text/csv"
                } else {
                    "application/json"
                },
            )
            .body(body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| CommandError(format!("cannot reach Spoke at {}: {e}", server.server)))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    Err(answer(response)
        .await
        .err()
        .unwrap_or_else(|| CommandError(format!("{status}"))))
}

/// The JSON of an answer; its message when it failed.
pub(crate) async fn answer(response: reqwest::Response) -> Result<Value, CommandError> {
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| CommandError(format!("cannot read Spoke's answer: {e}")))?;
    if status == StatusCode::NO_CONTENT {
        return Ok(Value::Null);
    }
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if !status.is_success() {
        let message = value["message"]
            .as_str()
            .unwrap_or("no message")
            .to_string();
        return Err(CommandError(format!("{status}: {message}")));
    }
    Ok(value)
}

fn without_nulls(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
    }
    value
}

pub(crate) fn show(
    server: &ServerArgs,
    answer: &Value,
    table: impl FnOnce(&Value) -> String,
) -> String {
    if server.json {
        serde_json::to_string_pretty(answer).unwrap_or_default()
    } else {
        table(answer)
    }
}

fn done(server: &ServerArgs, message: String) -> String {
    if server.json {
        "{}".into()
    } else {
        message
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn fields(value: &Value, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| text(&value[*n])).collect()
}

/// Columns padded to their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(header.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let t = table(
            &["ID", "NAME"],
            &[
                vec!["1".into(), "Default portal".into()],
                vec!["12".into(), "x".into()],
            ],
        );
        assert_eq!(t, "ID  NAME\n1   Default portal\n12  x");
    }

    #[test]
    fn absent_options_are_left_out_of_bodies() {
        let body = without_nulls(json!({"name": null, "tier": "free", "scopes": []}));
        assert_eq!(body, json!({"tier": "free"}));
    }
}
