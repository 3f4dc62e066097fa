//! The admin page in a real browser: Debian's headless Chromium driven
//! through chromedriver (WebDriver, with fantoccini) against a real
//! `spoke serve`. Sign in, create a portal, find a contact by search, edit
//! a value and see the new history entry, see a validation error beside
//! its field, replay a webhook delivery, and open the API explorer.
//! Screenshots of the main pages are saved under
//! `target/tmp/admin-ui-screenshots/` (CI keeps them as artifacts).
//!
//! Needs `chromium` and `chromedriver` on the PATH (`.ci/run` installs
//! Debian's); without them the test says so and passes only outside CI.

#[path = "support/process.rs"]
mod process;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use process::start_with;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ADMIN: &str = "spoke-admin-browser-test-000000000000001";
const TOKEN: &str = "pat-na1-00000000-browser-0000-000000000001";

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(chromedriver: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    // Stopped on drop, even when it never answers.
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/status", driver.url)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {}", driver.url);
}

async fn browser(driver: &Driver, chromium: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("admin-ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

async fn find(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

async fn text(client: &Client, css: &str) -> String {
    find(client, css).await.text().await.unwrap()
}

async fn type_into(client: &Client, css: &str, value: &str) {
    let input = find(client, css).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    find(client, css).await.click().await.unwrap();
}

/// A receiver of webhook deliveries: answers 200 to everything.
async fn receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut seen = Vec::new();
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&seen).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length: usize = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        if seen.len() >= end + 4 + length {
                            seen.drain(..end + 4 + length);
                            let _ = socket
                                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                                .await;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}/hook")
}

#[tokio::test]
async fn a_person_signs_in_finds_edits_and_replays_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver"))
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser tests: install chromium and chromium-driver"
        );
        eprintln!("SKIPPED: the admin page's browser test needs chromium and chromedriver (Debian: chromium, chromium-driver)");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let spoke = start_with(
        &["--data-dir", data.path().to_str().unwrap()],
        &[
            ("SPOKE_ADMIN_TOKEN", ADMIN),
            ("SPOKE_BOOTSTRAP_TOKEN", TOKEN),
        ],
    );
    let base = spoke.base.clone();
    let http = reqwest::Client::new();

    // An app subscribed to creations, installed in portal 1, delivering to
    // a receiver here; then contacts, whose creations it is sent.
    let hook = receiver().await;
    let app: serde_json::Value = http
        .post(format!("{base}/_spoke/v1/apps"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "Browser test app", "redirectUris": ["http://localhost/cb"], "scopes": ["crm.objects.contacts.read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = app["appId"].as_i64().unwrap();
    let key = app["developerApiKey"].as_str().unwrap();
    let authorized = http
        .post(format!("{base}/_spoke/v1/oauth/authorize"))
        .bearer_auth(ADMIN)
        .json(&json!({"clientId": app["clientId"], "portalId": 1, "redirectUri": "http://localhost/cb", "scopes": ["crm.objects.contacts.read"]}))
        .send()
        .await
        .unwrap();
    assert!(authorized.status().is_success());
    let settings = http
        .put(format!(
            "{base}/webhooks/v3/{app_id}/settings?hapikey={key}"
        ))
        .json(&json!({"targetUrl": hook, "throttling": {"maxConcurrentRequests": 5}}))
        .send()
        .await
        .unwrap();
    assert!(
        settings.status().is_success(),
        "{:?}",
        settings.text().await
    );
    let subscription = http
        .post(format!(
            "{base}/webhooks/v3/{app_id}/subscriptions?hapikey={key}"
        ))
        .json(&json!({"eventType": "contact.creation", "active": true}))
        .send()
        .await
        .unwrap();
    assert!(subscription.status().is_success());
    let mut inputs = Vec::new();
    for (first, last, email) in [
        ("Ada", "Lovelace", "ada@example.com"),
        ("Grace", "Hopper", "grace@example.com"),
        ("Katherine", "Johnson", "katherine@example.com"),
    ] {
        inputs.push(json!({"properties": {"firstname": first, "lastname": last, "email": email}}));
    }
    let created = http
        .post(format!("{base}/crm/v3/objects/contacts/batch/create"))
        .bearer_auth(TOKEN)
        .json(&json!({"inputs": inputs}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let chromedriver = start_driver(&chromedriver).await;
    let client = browser(&chromedriver, &chromium).await;

    // Sign in: the page asks for the admin token, then lands on the portals.
    client.goto(&format!("{base}/")).await.unwrap();
    type_into(&client, "#admin_token", ADMIN).await;
    screenshot(&client, "01-sign-in").await;
    click(&client, "button[type=submit]").await;
    assert_eq!(text(&client, "main h1").await, "Portals");
    screenshot(&client, "02-portals").await;

    // Create a portal; its token is shown once.
    type_into(&client, "#portal-name", "Made in Chromium").await;
    click(
        &client,
        "form[action='/_spoke/ui/portals'] button[type=submit]",
    )
    .await;
    let token = text(&client, "#new-token").await;
    assert!(token.starts_with("pat-"), "{token}");
    assert!(text(&client, "main h1").await.contains("created"));

    // Find a contact by search and open it.
    client
        .goto(&format!("{base}/_spoke/ui/portals/1/contacts"))
        .await
        .unwrap();
    type_into(&client, "#q", "hopper").await;
    click(&client, "form[role=search] button[type=submit]").await;
    // The answer's table, not the one the search was typed above.
    for _ in 0..100 {
        if client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("q=hopper")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    find(&client, "p.muted").await;
    let table = text(&client, "#contacts tbody").await;
    assert!(table.contains("grace@example.com"), "{table}");
    assert!(!table.contains("ada@example.com"), "{table}");
    screenshot(&client, "03-contacts-search").await;
    click(&client, "#contacts tbody a").await;
    assert_eq!(text(&client, "main h1").await, "Grace Hopper");

    // Edit a value: saved, and the history shows it first.
    type_into(&client, "#field-firstname", "Amazing Grace").await;
    click(&client, "#edit button[type=submit]").await;
    assert_eq!(text(&client, ".notice").await, "Saved.");
    let newest = text(&client, "#history li").await;
    assert!(newest.contains("Amazing Grace"), "{newest}");
    assert!(newest.contains("CRM_UI"), "{newest}");
    screenshot(&client, "04-contact").await;

    // A bad value: the field is marked and its message is beside it.
    type_into(&client, "#field-email", "not an email").await;
    click(&client, "#edit button[type=submit]").await;
    let problem = text(&client, "#field-email-error").await;
    assert!(problem.contains("not an email"), "{problem}");
    let invalid = find(&client, "#field-email")
        .await
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(text(&client, "#form-error")
        .await
        .contains("Nothing was saved"));
    screenshot(&client, "05-validation-error").await;

    // Replay a delivery from the portal's delivery log.
    client
        .goto(&format!("{base}/_spoke/ui/portals/1/deliveries"))
        .await
        .unwrap();
    let mut delivered = false;
    for _ in 0..100 {
        let log = text(&client, "main").await;
        if log.contains("DELIVERED") {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.refresh().await.unwrap();
    }
    assert!(delivered, "a delivery went out");
    screenshot(&client, "06-deliveries").await;
    click(&client, "form.replay button").await;
    let notice = text(&client, ".notice").await;
    assert!(notice.contains("Replay queued as delivery"), "{notice}");

    // The API explorer, with a token made for portal 1, renders
    // HubSpot's operations from /openapi.json.
    client
        .goto(&format!("{base}/_spoke/ui/explorer?portal=1"))
        .await
        .unwrap();
    click(&client, "form[action$='/explorer-token'] button").await;
    // The notice is on the answer only: the token field read is the new one.
    assert!(text(&client, ".notice")
        .await
        .contains("API explorer (admin page)"));
    let made = find(&client, "#explorer-token")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(made.starts_with("pat-"), "{made}");
    find(&client, ".swagger-ui .opblock").await;
    screenshot(&client, "07-explorer").await;
    // Try one operation: the list of contacts, sent with that token.
    let operation =
        "//div[contains(@class,'opblock-get')][.//*[@data-path='/crm/v3/objects/contacts']]";
    let summary = client
        .find(Locator::XPath(&format!(
            "{operation}//button[contains(@class,'opblock-summary-control')]"
        )))
        .await
        .expect("the GET contacts operation");
    summary.click().await.unwrap();
    // The explorer opens operations ready to try (tryItOutEnabled).
    client
        .wait()
        .for_element(Locator::XPath(&format!(
            "{operation}//button[contains(@class,'execute')]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!(
            "{operation}//table[contains(@class,'live-responses-table')]//tbody//td[contains(@class,'response-col_status')]"
        )))
        .await
        .expect("a live response")
        .text()
        .await
        .unwrap();
    assert_eq!(
        status.trim(),
        "200",
        "the explorer's call with the made token"
    );
    screenshot(&client, "08-explorer-call").await;

    // On a phone's screen.
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&format!("{base}/_spoke/ui/portals/1/contacts/2"))
        .await
        .unwrap();
    assert_eq!(text(&client, "main h1").await, "Amazing Grace Hopper");
    screenshot(&client, "09-phone-contact").await;

    // Sign out: the page is no longer served.
    click(&client, "header .sign-out button").await;
    client.goto(&format!("{base}/_spoke/ui")).await.unwrap();
    find(&client, "#admin_token").await;
    client.close().await.unwrap();
}
