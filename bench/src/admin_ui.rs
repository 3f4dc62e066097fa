//! The admin page at scale: the contacts table's first page and a search
//! from it, on a portal of a million contacts, as a signed-in browser
//! asks for them; GET /health in the same rounds as the reference.

use crate::data;
use crate::ingest::batch_body;
use crate::load::{self, median, Call, Connection, Stop};
use crate::Target;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request on a fresh connection, read to its end: (head, body).
async fn once(addr: SocketAddr, request: String) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_string(), body.to_string())
}

fn cookie(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            let pair = v.trim().split(';').next()?;
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
        .unwrap_or_else(|| panic!("no {name} cookie in {head}"))
}

/// Signs in with the admin token as a browser does: the session cookie.
async fn sign_in(addr: SocketAddr, admin_token: &str) -> String {
    let (head, _) = once(
        addr,
        "GET /_spoke/sign-in HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n".into(),
    )
    .await;
    let csrf = cookie(&head, "spoke_csrf");
    let form = format!("admin_token={admin_token}&return_to=%2F_spoke%2Fui&csrf={csrf}");
    let (head, _) = once(
        addr,
        format!(
            "POST /_spoke/sign-in HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\
             cookie: spoke_csrf={csrf}\r\ncontent-type: application/x-www-form-urlencoded\r\n\
             content-length: {}\r\n\r\n{form}",
            form.len()
        ),
    )
    .await;
    cookie(&head, "spoke_session")
}

pub async fn run(target: &Target, admin_token: &str, contacts: u64, rounds: usize, calls: usize) {
    let started = Instant::now();
    let seeding = load::run(
        target.addr,
        &target.token,
        2,
        Stop::Count(contacts.div_ceil(100)),
        201,
        |seq| {
            Call::post(
                "/crm/v3/objects/contacts/batch/create",
                batch_body(seq * 100, 100),
            )
        },
    )
    .await;
    assert_eq!(seeding.errors, 0, "seeding failed");
    println!(
        "seeded {} contacts in {:.0} s",
        seeding.requests * 100,
        started.elapsed().as_secs_f64()
    );
    let session = sign_in(target.addr, admin_token).await;
    let page = |path: &str| {
        format!("GET {path} HTTP/1.1\r\nhost: bench\r\ncookie: spoke_session={session}\r\n\r\n")
            .into_bytes()
    };
    let columns = "columns=email,firstname,lastname,company,lifecyclestage";
    let kinds: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("GET /health (reference)", vec![page("/health")]),
        (
            "contacts table, first page",
            vec![page(&format!("/_spoke/ui/portals/1/contacts?{columns}"))],
        ),
        (
            "contacts table, a free-text search",
            data::LAST_NAMES
                .iter()
                .take(20)
                .map(|n| page(&format!("/_spoke/ui/portals/1/contacts?{columns}&q={n}")))
                .collect(),
        ),
        (
            "contacts table, a filter sorted by email",
            data::LAST_NAMES
                .iter()
                .take(20)
                .map(|n| {
                    page(&format!(
                        "/_spoke/ui/portals/1/contacts?{columns}&property=lastname&operator=EQ&value={n}&sort=email"
                    ))
                })
                .collect(),
        ),
        (
            "a contact's page",
            (1..=20)
                .map(|i| page(&format!("/_spoke/ui/portals/1/contacts/{}", i * (contacts / 20).max(1))))
                .collect(),
        ),
    ];
    let mut conn = Connection::open(target.addr).await.expect("connect");
    // Per kind, the median latency of each round (ms).
    let mut medians: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    for _ in 0..rounds {
        for (k, (_, requests)) in kinds.iter().enumerate() {
            let mut times = Vec::with_capacity(calls);
            for i in 0..calls {
                let request = &requests[i % requests.len()];
                let sent = Instant::now();
                let (status, _) = conn.exchange_keeping(request, false).await.expect("answer");
                times.push(sent.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(request));
            }
            medians[k].push(median(&mut times));
        }
    }
    println!(
        "admin page on {contacts} contacts: {rounds} interleaved rounds of {calls} sequential calls per kind, one connection; median of the rounds' medians (ms)"
    );
    let health = median(&mut medians[0].clone());
    for (k, (label, _)) in kinds.iter().enumerate() {
        let m = median(&mut medians[k].clone());
        let worst = medians[k].iter().cloned().fold(f64::NAN, f64::max);
        println!(
            "  {label:<42} {m:>8.2} ms  (worst round {worst:.2} ms, {:.0}x /health)",
            m / health
        );
    }
}
