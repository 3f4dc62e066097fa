//! Spoke on PostgreSQL as a cluster: two `spoke` processes on one database
//! serve as one server, and a node whose database goes away answers 503
//! and recovers. Needs SPOKE_TEST_DATABASE_URL (skipped, loudly, without).

#[path = "support/process.rs"]
mod process;

use process::{admin_command, start_with, Running};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use spoke_store_postgres::testing::TestDatabase;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const TOKEN: &str = "pat-na1-00000000-node-token-0000-000000000001";
const ADMIN: &str = "ci-admin-token-0123456789";

struct Node {
    running: Running,
    client: Client,
}

impl Node {
    fn start(url: &str) -> Node {
        let running = start_with(
            &["--database-url", url, "--database-pool-size", "6"],
            &[
                ("SPOKE_BOOTSTRAP_TOKEN", TOKEN),
                ("SPOKE_ADMIN_TOKEN", ADMIN),
                ("SPOKE_LOG", "warn"),
            ],
        );
        Node {
            running,
            client: Client::new(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.running.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A call with another credential (or the admin token).
    async fn send_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.running.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn search_email(&self, email: &str) -> Vec<String> {
        let (status, body) = self
            .post(
                "/crm/v3/objects/contacts/search",
                json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ids(&body)
    }
}

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_database_serve_as_one_server() {
    let Some(db) = TestDatabase::create("two nodes").await else {
        return;
    };
    // Started at the same moment on an empty database: migrations and the
    // default portal are made once.
    let (a, b) = {
        let (url_a, url_b) = (db.url.clone(), db.url.clone());
        let a = std::thread::spawn(move || Node::start(&url_a));
        let b = std::thread::spawn(move || Node::start(&url_b));
        (a.join().unwrap(), b.join().unwrap())
    };

    // A property made through A is usable through B at once.
    let (status, body) = a
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "code", "label": "Code", "type": "string", "fieldType": "text",
                   "groupName": "contactinformation", "hasUniqueValue": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = b
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"code": "FIRST"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Read your writes across nodes, search included, with no indexing lag.
    for i in 0..30 {
        let (writer, reader) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let email = format!("ryw{i}@example.com");
        let (status, body) = writer
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {"email": email, "firstname": "Ryw"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_string();
        assert_eq!(
            reader.search_email(&email).await,
            vec![id.clone()],
            "found through the other node"
        );
        let (status, _) = reader.get(&format!("/crm/v3/objects/contacts/{id}")).await;
        assert_eq!(status, StatusCode::OK);
    }

    // Writers through both nodes at once, colliding on emails and on the
    // unique property: one winner each, losers told the winner's id.
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (client, base) = if i % 2 == 0 {
            (a.client.clone(), a.running.base.clone())
        } else {
            (b.client.clone(), b.running.base.clone())
        };
        // Each email wanted by two writers (one per node), each code by three.
        let properties =
            json!({"email": format!("race{}@example.com", i / 2), "code": format!("K{}", i / 3)});
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(format!("{base}/crm/v3/objects/contacts"))
                .bearer_auth(TOKEN)
                .json(&json!({"properties": properties}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (i, status, body)
        }));
    }
    let mut won: BTreeMap<String, String> = BTreeMap::new();
    let mut lost: Vec<(usize, Value)> = Vec::new();
    for task in tasks {
        let (i, status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => {
                won.insert(
                    format!("race{}@example.com", i / 2),
                    body["id"].as_str().unwrap().into(),
                );
            }
            StatusCode::CONFLICT => lost.push((i, body)),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // No email and no code has two holders: every conflict names the one
    // contact that holds the value it wanted.
    for (i, body) in &lost {
        let existing = body["context"]["existingId"][0]
            .as_str()
            .unwrap()
            .to_string();
        let (_, holder) = b
            .get(&format!(
                "/crm/v3/objects/contacts/{existing}?properties=email,code"
            ))
            .await;
        let email = format!("race{}@example.com", i / 2);
        let code = format!("K{}", i / 3);
        let holds = holder["properties"]["email"] == email || holder["properties"]["code"] == code;
        assert!(
            holds,
            "{existing} holds neither {email} nor {code}: {holder}"
        );
    }
    let mut codes = BTreeSet::new();
    for id in won.values() {
        let (_, c) = a
            .get(&format!("/crm/v3/objects/contacts/{id}?properties=code"))
            .await;
        assert!(
            codes.insert(c["properties"]["code"].to_string()),
            "a code held twice"
        );
    }
    for (email, id) in &won {
        assert_eq!(a.search_email(email).await, vec![id.clone()]);
        assert_eq!(b.search_email(email).await, vec![id.clone()]);
    }

    // Ids from batches through both nodes at once never collide.
    let mut batches = Vec::new();
    for n in 0..6 {
        let node = if n % 2 == 0 { &a } else { &b };
        let (client, base) = (node.client.clone(), node.running.base.clone());
        batches.push(tokio::spawn(async move {
            let inputs: Vec<Value> = (0..50)
                .map(|i| json!({"properties": {"email": format!("b{n}-{i}@example.com")}}))
                .collect();
            let response = client
                .post(format!("{base}/crm/v3/objects/contacts/batch/create"))
                .bearer_auth(TOKEN)
                .json(&json!({"inputs": inputs}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let body: Value = response.json().await.unwrap();
            ids(&body)
        }));
    }
    let mut all = BTreeSet::new();
    for batch in batches {
        for id in batch.await.unwrap() {
            assert!(all.insert(id.parse::<i64>().unwrap()), "id {id} twice");
        }
    }

    // A walk through alternating nodes, following `after`, sees every
    // contact once.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    for step in 0.. {
        let node = if step % 2 == 0 { &a } else { &b };
        let path = match &after {
            Some(cursor) => format!("/crm/v3/objects/contacts?limit=37&after={cursor}"),
            None => "/crm/v3/objects/contacts?limit=37".to_string(),
        };
        let (status, body) = node.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        walked.extend(ids(&body));
        match body["paging"]["next"]["after"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = walked.iter().collect();
    assert_eq!(unique.len(), walked.len(), "nothing twice");
    assert_eq!(walked.len(), 1 + 30 + won.len() + 300);

    // A merge through A resolves through B; a GDPR delete through B is gone
    // through A.
    let mut winners = won.values();
    let (first, second) = (winners.next().unwrap(), winners.next().unwrap());
    let (status, body) = a
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": first, "objectIdToMerge": second}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, merged) = b.get(&format!("/crm/v3/objects/contacts/{second}")).await;
    assert_eq!(merged["id"], json!(first));
    let (status, _) = b
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": first}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = a.get(&format!("/crm/v3/objects/contacts/{first}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An archived property is refused through the other node too, as soon
    // as that node has heard of it.
    let (status, _) = a
        .send(
            reqwest::Method::DELETE,
            "/crm/v3/properties/contacts/code",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, body) = b
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {"code": "LATE"}}),
            )
            .await;
        if status == StatusCode::BAD_REQUEST {
            assert_eq!(body["errors"][0]["code"], "PROPERTY_DOESNT_EXIST", "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node B still writes an archived property: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (ok_a, stderr_a) = a.running.terminate();
    let (ok_b, stderr_b) = b.running.terminate();
    assert!(ok_a && ok_b, "{stderr_a}\n{stderr_b}");
}

#[tokio::test]
async fn nodes_starting_together_on_an_empty_database_make_one_default_portal() {
    let Some(db) = TestDatabase::create("first start").await else {
        return;
    };
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                start_with(&["--database-url", &url], &[("SPOKE_LOG", "warn")])
            })
        })
        .collect();
    let nodes: Vec<Running> = starts.into_iter().map(|s| s.join().unwrap()).collect();
    let tokens: Vec<String> = nodes.iter().filter_map(Running::printed_token).collect();
    assert_eq!(
        tokens.len(),
        1,
        "one node made the portal and printed its token"
    );
    for node in &nodes {
        let status = Client::new()
            .get(format!("{}/crm/v3/objects/contacts", node.base))
            .bearer_auth(&tokens[0])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "the token works on every node");
    }
    for node in nodes {
        assert!(node.terminate().0);
    }
}

/// A TCP relay to the database that can be cut (every connection closed,
/// new ones refused) and restored: the database going away and coming
/// back, as a node sees it.
struct Relay {
    addr: std::net::SocketAddr,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link);
            }
        });
        Relay { addr, up, links }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_database_answers_503_writes_nothing_by_halves_and_recovers() {
    use spoke::config::{Config, Database, Secret};
    use spoke::startup::Application;
    use spoke_store_postgres::PostgresOptions;

    let Some(db) = TestDatabase::create("lost database").await else {
        return;
    };
    let config: tokio_postgres::Config = db.url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        #[allow(unreachable_patterns)]
        _ => "127.0.0.1".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let relay = Relay::start(format!("{host}:{port}")).await;
    let user = config.get_user().unwrap_or("postgres");
    let dbname = config.get_dbname().unwrap_or(user);
    let url = format!(
        "postgres://{user}@{}/{dbname}?options=-csearch_path%3D{}",
        relay.addr,
        db.schema()
    );
    let app = Application::build(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::Postgres(PostgresOptions { url, pool_size: 4 }),
        bootstrap_token: Some(Secret::new(TOKEN)),
        admin_token: None,
        rate_limits: Default::default(),
        open_consent: false,
        request_journal: true,
        tls: None,
        workers: Default::default(),
    })
    .await
    .unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = Client::new();
    let batch = |n: usize| {
        let inputs: Vec<Value> = (0..50)
            .map(|i| json!({"properties": {"email": format!("w{n}-{i}@example.com"), "firstname": format!("w{n}")}}))
            .collect();
        json!({"inputs": inputs})
    };

    // Writers go on while the database goes away and comes back.
    let writer = {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..40 {
                let response = client
                    .post(format!("{base}/crm/v3/objects/contacts/batch/create"))
                    .bearer_auth(TOKEN)
                    .json(&batch(n))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                statuses.push((status, body));
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    relay.cut();
    // While it is away: HubSpot's 5xx body.
    let response = client
        .get(format!("{base}/crm/v3/objects/contacts/1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "SERVICE_UNAVAILABLE");
    assert!(
        body["correlationId"]
            .as_str()
            .is_some_and(|c| c.len() == 36),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.restore();

    let statuses = writer.await.unwrap();
    let refused = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(refused > 0, "some writes met the outage");
    for (status, body) in &statuses {
        assert!(
            *status == StatusCode::CREATED || *status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}: {body}"
        );
    }
    assert_eq!(
        statuses.last().unwrap().0,
        StatusCode::CREATED,
        "writes recover"
    );
    // Every batch is whole or absent; an answered one is whole.
    for (n, (status, _)) in statuses.iter().enumerate() {
        let response = client
            .post(format!("{base}/crm/v3/objects/contacts/search"))
            .bearer_auth(TOKEN)
            .json(&json!({"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": format!("w{n}")}]}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let found: Value = response.json().await.unwrap();
        let total = found["total"].as_u64().unwrap();
        assert!(total == 0 || total == 50, "batch {n} half written: {total}");
        if *status == StatusCode::CREATED {
            assert_eq!(total, 50, "batch {n} was answered 201");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_portals_limits_hold_for_the_cluster_not_per_node() {
    let Some(db) = TestDatabase::create("cluster limits").await else {
        return;
    };
    let a = Node::start(&db.url);
    let b = Node::start(&db.url);
    let portal = a.get("/integrations/v1/me").await.1["portalId"].clone();
    let limits = a
        .send_as(
            ADMIN,
            reqwest::Method::PUT,
            &format!("/_spoke/v1/portals/{portal}/limits"),
            Some(json!({"mode": "custom", "tenSecondly": 20, "daily": 1000000})),
        )
        .await;
    assert_eq!(limits.status(), StatusCode::OK);
    // Both nodes learn the new limits (cache notices), then share them:
    // 40 calls alternating between the nodes within one window.
    let started = Instant::now();
    let mut admitted = 0;
    let mut remaining = Vec::new();
    for i in 0..40 {
        let node = if i % 2 == 0 { &a } else { &b };
        let response = node
            .send_as(
                TOKEN,
                reqwest::Method::GET,
                "/crm/v3/objects/contacts",
                None,
            )
            .await;
        match response.status() {
            StatusCode::OK => {
                admitted += 1;
                let left: u64 = response.headers()["x-hubspot-ratelimit-remaining"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                remaining.push(left);
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
            }
            other => panic!("{other}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(9), "one window");
    assert_eq!(
        admitted, 20,
        "the cluster admits the limit, not the limit per node"
    );
    assert_eq!(remaining.iter().min(), Some(&0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_changed_through_one_node_hold_on_the_other() {
    let Some(db) = TestDatabase::create("cluster credentials").await else {
        return;
    };
    let a = Node::start(&db.url);
    let b = Node::start(&db.url);
    // A portal and an app made through A work through B.
    let created: Value = a
        .send_as(ADMIN, reqwest::Method::POST, "/_spoke/v1/portals", None)
        .await
        .json()
        .await
        .unwrap();
    let portal = created["portalId"].clone();
    let token = created["accessToken"].as_str().unwrap().to_string();
    let app: Value = a
        .send_as(
            ADMIN,
            reqwest::Method::POST,
            &format!("/_spoke/v1/portals/{portal}/private-apps"),
            Some(json!({"scopes": ["crm.objects.contacts.read"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let reader = app["accessToken"].as_str().unwrap().to_string();
    for t in [&token, &reader] {
        let r = b
            .send_as(t, reqwest::Method::GET, "/crm/v3/objects/contacts", None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    // B has the reader cached now; deleting it through A ends it on B too.
    let deleted = a
        .send_as(
            ADMIN,
            reqwest::Method::DELETE,
            &format!("/_spoke/v1/portals/{portal}/private-apps/{}", app["appId"]),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    // The notice travels after the commit: allow it a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let r = b
            .send_as(
                &reader,
                reqwest::Method::GET,
                "/crm/v3/objects/contacts",
                None,
            )
            .await;
        if r.status() == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B still accepts a deleted app's token"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The admin commands work the same against any node of the cluster.
    let (ok, out, err) =
        admin_command(&b.running.base, Some(ADMIN), &["portals", "list", "--json"]);
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["results"].as_array().unwrap().len(), 2);
    let (ok, _, err) = admin_command(
        &b.running.base,
        Some(ADMIN),
        &["portals", "delete", &portal.to_string()],
    );
    assert!(ok, "{err}");
    let r = a
        .send_as(
            &token,
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_set_through_one_node_hold_on_the_other_with_one_budget() {
    let Some(db) = TestDatabase::create("cluster faults").await else {
        return;
    };
    let a = Node::start(&db.url);
    let b = Node::start(&db.url);
    let created: Value = a
        .send_as(ADMIN, reqwest::Method::POST, "/_spoke/v1/portals", None)
        .await
        .json()
        .await
        .unwrap();
    let portal = created["portalId"].clone();
    let token = created["accessToken"].as_str().unwrap().to_string();
    // B reads the portal (and caches that it has no faults).
    let r = b
        .send_as(
            &token,
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let set = a
        .send_as(
            ADMIN,
            reqwest::Method::PUT,
            &format!("/_spoke/v1/portals/{portal}/faults"),
            Some(json!({"rules": [{"status": 503, "count": 3}]})),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    // The notice travels after the commit: allow it a moment on B.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut hits = 0;
    loop {
        let r = b
            .send_as(
                &token,
                reqwest::Method::GET,
                "/crm/v3/objects/contacts",
                None,
            )
            .await;
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            hits += 1;
            break;
        }
        assert!(Instant::now() < deadline, "B never saw the faults set on A");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The budget of three is shared: two more hits across both nodes, then
    // calls go through on either.
    for node in [&a, &b, &a, &b] {
        let r = node
            .send_as(
                &token,
                reqwest::Method::GET,
                "/crm/v3/objects/contacts",
                None,
            )
            .await;
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            hits += 1;
        } else {
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    assert_eq!(hits, 3);
}

/// The refusal of a `spoke serve` that cannot start.
fn refused_serve(url: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_spoke"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .env("SPOKE_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn sslmode_verify_full_checks_the_servers_certificate_and_its_name() {
    let Some(db) = TestDatabase::create("tls").await else {
        return;
    };
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let ssl: String = client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    let cert: String = client
        .query_one("SHOW ssl_cert_file", &[])
        .await
        .unwrap()
        .get(0);
    if ssl != "on" || std::fs::read(&cert).is_err() {
        eprintln!(
            "SKIPPED: this PostgreSQL serves no TLS (ssl = {ssl}) or its certificate {cert} is unreadable here"
        );
        return;
    }
    // The test server's own certificate is its CA (a self-signed one, as
    // Debian's is, for localhost).
    let names = |u: &str| u.replacen("127.0.0.1", "localhost", 1);
    let root = form_urlencoded::byte_serialize(cert.as_bytes()).collect::<String>();
    let full = format!("{}&sslmode=verify-full&sslrootcert={root}", names(&db.url));
    let node = Node::start(&full);
    let (status, _) = node.get("/crm/v3/objects/contacts").await;
    assert_eq!(status, StatusCode::OK);
    // The test's URL names its connections after its schema.
    let encrypted: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.application_name = $1 AND s.ssl AND a.pid <> pg_backend_pid()",
            &[&db.schema()],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted > 0, "Spoke's connections are encrypted");
    drop(node);

    // Another name than the certificate's is refused under verify-full,
    // taken under verify-ca.
    let wrong_name = format!("{}&sslmode=verify-full&sslrootcert={root}", db.url);
    let err = refused_serve(&wrong_name);
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    let ca_only = format!("{}&sslmode=verify-ca&sslrootcert={root}", db.url);
    let node = Node::start(&ca_only);
    assert_eq!(node.get("/crm/v3/objects/contacts").await.0, StatusCode::OK);
    drop(node);
    let err = refused_serve(&format!("{}&sslmode=verify-full", db.url));
    assert!(err.contains("sslrootcert"), "{err}");
}
