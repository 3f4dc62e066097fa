//! HubSpot's exports API (`/crm/v3/exports/export/async` and its status)
//! and the admin API's streamed export (`GET
//! /_spoke/v1/portals/{portalId}/export`, what `spoke export` reads).
//!
//! An export is checked and stored when it is asked for and is complete at
//! once: its file is written as it is downloaded, from the contacts as they
//! are then, through a signed link that works for five minutes (a new one
//! with each status call), as HubSpot's links do. Nothing is kept on a
//! node's disk, so any node serves any export.

use crate::error::ApiError;
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json as j, Value};
use spoke_domain::exports::{
    link_signature, ExportFormat, ExportScope, ExportSpec, ExportWalk, LINK_VALID_MS,
};
use spoke_domain::ids::{ListId, PortalId};
use spoke_domain::search::{FilterInput, SearchInput, SortInput};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

const BASE: &str = "/crm/v3/exports/export/async";
/// Where export files are downloaded from (no credential: the link is
/// signed).
pub const DOWNLOADS: &str = "/_spoke/exports";

pub fn routes() -> Router<AppState> {
    Router::new().route(BASE, post(start_export)).route(
        &format!("{BASE}/tasks/{{taskId}}/status"),
        get(export_status),
    )
}

/// The signed download links, outside the portal pipeline.
pub fn download_routes() -> Router<AppState> {
    Router::new().route(&format!("{DOWNLOADS}/{{exportId}}"), get(download))
}

/// `POST /crm/v3/exports/export/async` → 202 `{"id", "links": {"status"}}`.
pub async fn start_export(
    State(state): State<AppState>,
    Portal(portal): Portal,
    headers: HeaderMap,
    JsonBody(request): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let spec = export_request(&request)?;
    let name = request["exportName"]
        .as_str()
        .unwrap_or("export")
        .to_string();
    let record = state.exports.create(portal, spec, name, request).await?;
    Ok(json(
        StatusCode::ACCEPTED,
        &j!({
            "id": record.id.to_string(),
            "links": {"status": format!("{}{BASE}/tasks/{}/status", origin(&headers), record.id)},
        }),
    ))
}

/// `GET /crm/v3/exports/export/async/tasks/{taskId}/status`
pub async fn export_status(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = || Error::NotFound(format!("No export task with id \"{id}\" exists."));
    let number: i64 = id.trim().parse().map_err(|_| not_found())?;
    let record = state
        .exports
        .get(portal, number)
        .await?
        .ok_or_else(not_found)?;
    let expires = Timestamp::now().millis() + LINK_VALID_MS;
    let signature = link_signature(&record.link_key, record.id, expires);
    let at = record.created_at.to_iso();
    Ok(json(
        StatusCode::OK,
        &j!({
            "status": "COMPLETE",
            "result": format!("{}{DOWNLOADS}/{}?expires={expires}&signature={signature}", origin(&headers), record.id),
            "requestedAt": at,
            "startedAt": at,
            "completedAt": at,
            "numErrors": 0,
            "errors": [],
            "links": {},
        }),
    ))
}

/// `GET /_spoke/exports/{exportId}?expires=&signature=`: the file.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let invalid = || Error::Unauthenticated("This export link is not valid.".into());
    let id: i64 = id.parse().map_err(|_| invalid())?;
    let expires: i64 = query
        .get("expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(invalid)?;
    let record = state
        .exports
        .for_link(id, expires, query.get("signature").unwrap_or(""))
        .await?;
    let spec = export_request(&record.request)?;
    let walk = state.exports.walk(record.portal, spec).await?;
    Ok(stream(walk, &record.name, None))
}

/// `GET /_spoke/v1/portals/{portalId}/export?format=csv|jsonl&properties=
/// &archived=&listId=`: every contact (or a list's), streamed, with the
/// count in `X-Spoke-Total`.
pub async fn admin_export(
    state: &AppState,
    portal: PortalId,
    query: &QueryParams,
) -> Result<Response, ApiError> {
    let format = match query.get("format") {
        None => ExportFormat::Csv,
        Some(f) => ExportFormat::parse(f).ok_or_else(|| {
            Error::invalid_field("format", format!("\"{f}\" is not a format: csv or jsonl."))
        })?,
    };
    let archived = query.bool("archived")?.unwrap_or(false);
    let scope = match query.get("listId") {
        Some(id) => ExportScope::List(list_id(id)?),
        None => ExportScope::All { archived },
    };
    let spec = ExportSpec {
        format,
        properties: query.list("properties"),
        scope,
    };
    let walk = state.exports.walk(portal, spec).await?;
    let total = walk.count().await?;
    Ok(stream(
        walk,
        &format!("portal-{}-contacts", portal.0),
        Some(total),
    ))
}

/// The export as a streamed body: the header line, then page after page.
fn stream(walk: ExportWalk, name: &str, total: Option<u64>) -> Response {
    let format = walk.spec().format;
    let header = match format {
        ExportFormat::Csv => Some(walk.csv_header()),
        ExportFormat::Jsonl => None,
    };
    let body = futures_util::stream::unfold(
        (walk, header, false),
        |(mut walk, header, done)| async move {
            if done {
                return None;
            }
            if let Some(header) = header {
                return Some((Ok(header.into_bytes()), (walk, None, false)));
            }
            match walk.next_page().await {
                Ok(page) if page.is_empty() => None,
                Ok(page) => {
                    let mut out = String::new();
                    for contact in &page {
                        out.push_str(&walk.line(contact));
                    }
                    Some((Ok(out.into_bytes()), (walk, None, false)))
                }
                Err(err) => {
                    tracing::warn!(error = %err, "an export stopped");
                    Some((
                        Err(std::io::Error::other(err.to_string())),
                        (walk, None, true),
                    ))
                }
            }
        },
    );
    let file_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{file_name}.{}\"",
        format.extension()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(total) = total {
        headers.insert("x-spoke-total", HeaderValue::from(total));
    }
    response
}

/// HubSpot's export request: `VIEW` (every contact, or a search's) or
/// `LIST`, in `CSV`, of contacts.
pub fn export_request(request: &Value) -> Result<ExportSpec, Error> {
    let invalid = |field: &str, message: String| Error::invalid_field(field, message);
    let object = request["objectType"].as_str().unwrap_or("CONTACT");
    if !["CONTACT", "CONTACTS", "0-1"].contains(&object.to_ascii_uppercase().as_str()) {
        return Err(invalid(
            "objectType",
            format!("Spoke exports contacts (CONTACT); objectType {object} is not served."),
        ));
    }
    let format = request["format"].as_str().unwrap_or("CSV");
    if !format.eq_ignore_ascii_case("CSV") {
        return Err(invalid(
            "format",
            format!("Spoke exports CSV; format {format} is not served."),
        ));
    }
    if !request["associatedObjectType"].is_null() {
        return Err(invalid(
            "associatedObjectType",
            "Spoke serves no associations, so it exports none.".into(),
        ));
    }
    let properties: Vec<String> = request["objectProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    let scope = match request["exportType"].as_str().unwrap_or("VIEW") {
        "LIST" => {
            let id = match &request["listId"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(invalid("listId", "A LIST export needs its listId.".into())),
            };
            ExportScope::List(list_id(&id)?)
        }
        "VIEW" => match request.get("publicCrmSearchRequest") {
            None | Some(Value::Null) => ExportScope::All { archived: false },
            Some(search) => ExportScope::Search(search_request(search)),
        },
        other => {
            return Err(invalid(
                "exportType",
                format!("exportType {other} is not one of VIEW, LIST."),
            ))
        }
    };
    Ok(ExportSpec {
        format: ExportFormat::Csv,
        properties,
        scope,
    })
}

/// A view's search (filters that must all match, sorts by property name,
/// `-name` descending, and a query) as the search API takes it.
fn search_request(search: &Value) -> SearchInput {
    let filters: Vec<FilterInput> = search["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| FilterInput {
            property_name: f["propertyName"].as_str().map(str::to_string),
            operator: f["operator"].as_str().map(str::to_string),
            value: scalar(&f["value"]),
            high_value: scalar(&f["highValue"]),
            values: f["values"]
                .as_array()
                .map(|v| v.iter().filter_map(scalar).collect()),
        })
        .collect();
    let sorts = search["sorts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str())
        .map(|s| SortInput {
            property_name: s.trim_start_matches('-').to_string(),
            descending: s.starts_with('-'),
        })
        .collect();
    SearchInput {
        filter_groups: if filters.is_empty() {
            Vec::new()
        } else {
            vec![filters]
        },
        sorts,
        query: search["query"].as_str().map(str::to_string),
        limit: None,
        after: None,
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list_id(text: &str) -> Result<ListId, Error> {
    text.trim()
        .parse()
        .map(ListId)
        .map_err(|_| Error::invalid_field("listId", format!("\"{text}\" is not a list id.")))
}

/// `scheme://host` of the request, for links back to this server.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_with_a_search_and_a_list_export_are_understood() {
        let spec = export_request(&j!({
            "exportType": "VIEW", "format": "CSV", "exportName": "x", "objectType": "CONTACT",
            "objectProperties": ["email"], "language": "EN",
            "publicCrmSearchRequest": {"filters": [{"propertyName": "lifecyclestage",
                "operator": "EQ", "value": "lead"}], "sorts": ["-email"]}
        }))
        .unwrap();
        let ExportScope::Search(search) = spec.scope else {
            panic!("{:?}", spec.scope)
        };
        assert_eq!(search.filter_groups[0][0].value.as_deref(), Some("lead"));
        assert!(search.sorts[0].descending);
        let spec = export_request(&j!({"exportType": "LIST", "listId": "12"})).unwrap();
        assert_eq!(spec.scope, ExportScope::List(ListId(12)));
    }

    #[test]
    fn what_spoke_does_not_export_is_refused_by_name() {
        for (request, says) in [
            (j!({"format": "XLSX"}), "CSV"),
            (j!({"objectType": "DEAL"}), "contacts"),
            (j!({"exportType": "LIST"}), "listId"),
            (j!({"exportType": "OTHER"}), "VIEW, LIST"),
            (j!({"associatedObjectType": "COMPANY"}), "associations"),
        ] {
            let Err(Error::Invalid(err)) = export_request(&request) else {
                panic!("{request} was taken")
            };
            assert!(err.message.contains(says), "{request}: {}", err.message);
        }
    }
}
