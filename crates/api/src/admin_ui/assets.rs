//! The admin page's static files, built into the binary: its stylesheet,
//! the API explorer's start script, and Swagger UI (see
//! `assets/swagger-ui/VERSION`). Served with an ETag and an hour of
//! caching; a matching `If-None-Match` gets 304.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use spoke_domain::access::secrets::digest;
use std::collections::HashMap;
use std::sync::OnceLock;

struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    etag: String,
}

const FILES: [(&str, &[u8], &str); 4] = [
    (
        "admin.css",
        include_bytes!("../../assets/admin.css"),
        "text/css; charset=utf-8",
    ),
    (
        "explorer.js",
        include_bytes!("../../assets/explorer.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "swagger-ui.css",
        include_bytes!("../../assets/swagger-ui/swagger-ui.css"),
        "text/css; charset=utf-8",
    ),
    (
        "swagger-ui-bundle.js",
        include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js"),
        "text/javascript; charset=utf-8",
    ),
];

fn assets() -> &'static HashMap<&'static str, Asset> {
    static ASSETS: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, bytes, content_type)| {
                // Every asset is text.
                let sum = digest(std::str::from_utf8(bytes).unwrap_or_default());
                let etag = format!(
                    "\"{}\"",
                    sum[..12]
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                );
                (
                    *name,
                    Asset {
                        bytes,
                        content_type,
                        etag,
                    },
                )
            })
            .collect()
    })
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = assets().get(file.as_str()) else {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    };
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == asset.etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, asset.bytes).into_response()
    };
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        h.insert(ETAG, etag);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}
