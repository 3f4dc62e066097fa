//! A real Spoke on port 0 with a temporary database, and JSON helpers.

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{json, Value};
use spoke::config::{Config, Database, Secret};
use spoke::startup::Application;
use spoke_domain::access::limits::LimitsMode;
use spoke_domain::access::Access;
use spoke_domain::ids::PortalId;
use spoke_domain::store::Store;
use spoke_store_postgres::testing::TestDatabase;
use spoke_store_postgres::PostgresOptions;
use spoke_store_sqlite::{SqliteOptions, Synchronous};
use std::path::PathBuf;
use std::sync::Arc;

pub const TOKEN: &str = "pat-na1-00000000-test-token-0000-000000000001";
pub const ADMIN_TOKEN: &str = "spoke-admin-test-token-0000000000000001";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    /// A client that does not follow redirects, as a test of a browser
    /// flow needs.
    pub browser: Client,
    pub token: String,
    pub access: Access,
    pub store: Arc<dyn Store>,
    /// The default portal, which `token` belongs to.
    pub portal: PortalId,
    pub data_dir: PathBuf,
    /// The PostgreSQL schema, when the suite runs on PostgreSQL.
    pub postgres: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

/// The backend the suite runs on: `SPOKE_TEST_BACKEND=postgres` runs it on
/// PostgreSQL (in a schema of its own per test, on the server named by
/// `SPOKE_TEST_DATABASE_URL`); anything else on embedded SQLite.
pub fn on_postgres() -> bool {
    std::env::var("SPOKE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// A Spoke whose configuration `adjust` changes first (rate limits, open
/// consent).
pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let (database, postgres) = if on_postgres() {
        let db = TestDatabase::create("api suite")
            .await
            .unwrap_or_else(|| panic!("SPOKE_TEST_BACKEND=postgres needs SPOKE_TEST_DATABASE_URL"));
        let options = PostgresOptions {
            url: db.url.clone(),
            pool_size: 4,
        };
        (Database::Postgres(options), Some(db))
    } else {
        let options = SqliteOptions {
            path: data_dir.join("spoke.db"),
            synchronous: Synchronous::Normal,
            key: None,
        };
        (Database::Sqlite(options), None)
    };
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database,
        bootstrap_token: Some(Secret::new(TOKEN)),
        admin_token: Some(Secret::new(ADMIN_TOKEN)),
        rate_limits: LimitsMode::Off,
        open_consent: false,
        request_journal: true,
        tls: None,
        workers: Default::default(),
    };
    adjust(&mut config);
    let app = Application::build(config)
        .await
        .expect("application builds");
    let base = format!("http://{}", app.local_addr());
    let access = app.access().clone();
    let store = Arc::clone(app.store());
    let portal = app.bootstrap().portal;
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        client: Client::new(),
        browser: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        token: TOKEN.to_string(),
        access,
        store,
        portal,
        data_dir,
        postgres,
        _dir: dir,
    }
}

/// A response read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub content_type: Option<String>,
    pub correlation_header: Option<String>,
    pub text: String,
}

impl Reply {
    /// A response header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of a cookie the response sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                let (pair, _) = c.split_once(';').unwrap_or((c, ""));
                let (k, v) = pair.split_once('=')?;
                (k == name).then(|| v.to_string())
            })
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// The body with volatile values replaced (after checking their form).
    pub fn redacted(&self) -> Value {
        redact(self.json())
    }

    /// Asserts a HubSpot error: status, JSON content type, a correlation id
    /// matching the response header; returns the redacted body.
    pub fn error(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json;charset=utf-8")
        );
        let body = self.json();
        let id = body["correlationId"].as_str().expect("correlationId");
        assert_eq!(Some(id), self.correlation_header.as_deref());
        assert_eq!(id.len(), 36, "a UUID");
        redact(body)
    }
}

impl Reply {
    /// Asserts a legacy v1 error: status, JSON content type, `status`,
    /// `message`, a correlation id matching the header and repeated as
    /// `requestId`, no v3 `category`; returns the body with ids redacted.
    pub fn v1_error(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json;charset=utf-8")
        );
        let mut body = self.json();
        assert_eq!(body["status"], "error", "{body}");
        assert!(body["message"].is_string(), "{body}");
        let id = body["correlationId"].as_str().expect("correlationId");
        assert_eq!(Some(id), self.correlation_header.as_deref());
        assert_eq!(body["requestId"], body["correlationId"]);
        assert!(
            body.get("category").is_none(),
            "v1 bodies carry no category: {body}"
        );
        body["correlationId"] = "<id>".into();
        body["requestId"] = "<id>".into();
        body
    }
}

/// Keys whose numbers are ms-epoch times in v1 bodies.
const V1_TIME_KEYS: [&str; 6] = [
    "timestamp",
    "saved-at-timestamp",
    "savedAtTimestamp",
    "addedAt",
    "time-offset",
    "merged-at",
];

/// Replaces v1 ms-epoch times (numbers, and the string values of the
/// calculated date properties) with `"<ms>"`, after checking they are
/// recent ms timestamps.
pub fn redact_v1(mut value: Value) -> Value {
    fn is_ms(n: i64) -> bool {
        (1_500_000_000_000..4_000_000_000_000).contains(&n)
    }
    fn walk(value: &mut Value, key: Option<&str>) {
        match value {
            Value::Object(map) => {
                let calculated = matches!(key, Some("createdate" | "lastmodifieddate"));
                for (k, v) in map.iter_mut() {
                    if calculated && k == "value" {
                        let n: i64 = v.as_str().and_then(|s| s.parse().ok()).expect("ms string");
                        assert!(is_ms(n), "{k}: {n}");
                        *v = "<ms>".into();
                    } else if calculated && k == "versions" {
                        for version in v.as_array_mut().into_iter().flatten() {
                            walk(version, key);
                        }
                    } else {
                        walk(v, Some(k));
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key)),
            Value::Number(n) if key.is_some_and(|k| V1_TIME_KEYS.contains(&k)) => {
                let ms = n.as_i64().expect("integer ms");
                assert!(is_ms(ms), "{key:?}: {ms}");
                *value = "<ms>".into();
            }
            _ => {}
        }
    }
    walk(&mut value, None);
    value
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.send_as(Some(&self.token), method, path, body).await
    }

    pub async fn send_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn raw(&self, method: Method, path: &str, body: &str) -> Reply {
        let request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.to_string());
        read(request.send().await.expect("request sent")).await
    }

    /// A call to the sandbox admin API with the admin token.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.send_as(Some(ADMIN_TOKEN), method, path, body).await
    }

    /// A form POST as a browser sends it (no redirects followed), with
    /// the given cookies.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)], cookies: &str) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .browser
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        read(request.send().await.expect("request sent")).await
    }

    /// A GET as a browser sends it (no redirects followed), with cookies.
    pub async fn browse(&self, path: &str, cookies: &str) -> Reply {
        let mut request = self.browser.get(self.url(path));
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a contact and returns its id.
    pub async fn create(&self, properties: Value) -> String {
        let reply = self
            .post(
                "/crm/v3/objects/contacts",
                json!({ "properties": properties }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["id"].as_str().unwrap().to_string()
    }

    /// Where `needle` is stored, in clear: the database's files on SQLite
    /// (including the write-ahead log), the rows of every table on
    /// PostgreSQL.
    pub async fn stored_in_clear(&self, needle: &str) -> Vec<String> {
        if let Some(db) = &self.postgres {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let tables: Vec<String> = client
                .query(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert!(tables.len() > 5, "{tables:?}");
            let mut found = Vec::new();
            for table in tables {
                let sql =
                    format!("SELECT count(*) FROM {table} t WHERE t::text LIKE '%' || $1 || '%'");
                let n: i64 = client.query_one(&sql, &[&needle]).await.unwrap().get(0);
                if n > 0 {
                    found.push(table);
                }
            }
            return found;
        }
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.data_dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path.display().to_string());
            }
        }
        found
    }

    /// A second portal and its token.
    pub async fn second_portal(&self) -> String {
        self.second_portal_and_id().await.1
    }

    /// A second portal (through the admin API's operation) and its token.
    pub async fn second_portal_and_id(&self) -> (PortalId, String) {
        let created = self
            .access
            .create_portal(Some("Second"), Default::default())
            .await
            .unwrap();
        (created.portal.id, created.access_token)
    }
}

async fn read(response: Response) -> Reply {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type");
    let correlation_header = header("x-hubspot-correlation-id");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    Reply {
        status,
        headers,
        content_type,
        correlation_header,
        text,
    }
}

/// True for `2019-10-30T03:30:17.883Z`.
pub fn is_iso_millis(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

const TIME_KEYS: [&str; 9] = [
    "startedAt",
    "completedAt",
    "createdAt",
    "updatedAt",
    "archivedAt",
    "timestamp",
    "createdate",
    "lastmodifieddate",
    "closedate",
];

/// Replaces correlation ids and timestamps with placeholders, asserting
/// their form first, so bodies can be compared exactly.
pub fn redact(mut value: Value) -> Value {
    redact_in(&mut value, None);
    value
}

fn redact_in(value: &mut Value, key: Option<&str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                redact_in(v, Some(k));
            }
        }
        Value::Array(items) => {
            for v in items {
                redact_in(v, key);
            }
        }
        Value::String(s) => match key {
            Some("correlationId") => *s = "<correlationId>".into(),
            Some(k) if TIME_KEYS.contains(&k) => {
                assert!(is_iso_millis(s), "{k} is not ISO-8601 with millis: {s}");
                *s = "<time>".into();
            }
            Some("value") if is_iso_millis(s) => *s = "<time>".into(),
            _ => {}
        },
        _ => {}
    }
}
