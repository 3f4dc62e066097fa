//! A local webhook receiver for the tests: records every request (headers
//! and raw body) and answers as told: a status per request in turn, with
//! an optional delay, then 200.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the receiver answers to one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub delay: Duration,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            delay: Duration::ZERO,
            retry_after: None,
        }
    }
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Received {
    pub fn events(&self) -> Vec<Value> {
        serde_json::from_slice::<Vec<Value>>(&self.body).expect("a JSON array of events")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    answers: VecDeque<Answer>,
    in_flight: usize,
    most_in_flight: usize,
    default_delay: Duration,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let router = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { url, shared }
    }

    /// Answers the next requests with these, in turn.
    pub fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.lock().unwrap().answers.extend(answers);
    }

    /// Every answer waits this long (to see concurrency).
    pub fn slow_down(&self, delay: Duration) {
        self.shared.lock().unwrap().default_delay = delay;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    pub fn most_in_flight(&self) -> usize {
        self.shared.lock().unwrap().most_in_flight
    }

    /// Every event received, in arrival order.
    pub fn events(&self) -> Vec<Value> {
        self.received().iter().flat_map(Received::events).collect()
    }

    /// Waits until `done` holds for what was received (or panics after
    /// `within`).
    pub async fn wait_for(
        &self,
        within: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            if start.elapsed() > within {
                panic!(
                    "the receiver did not get what was expected within {within:?}; it got {} requests: {:?}",
                    received.len(),
                    received.iter().map(|r| String::from_utf8_lossy(&r.body).into_owned()).collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until at least `n` events arrived.
    pub async fn wait_for_events(&self, n: usize, within: Duration) -> Vec<Value> {
        self.wait_for(within, |r| {
            r.iter().map(|x| x.events().len()).sum::<usize>() >= n
        })
        .await;
        self.events()
    }
}

async fn receive(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = {
        let mut shared = shared.lock().unwrap();
        shared.received.push(Received {
            headers,
            body,
            at: Instant::now(),
        });
        shared.in_flight += 1;
        shared.most_in_flight = shared.most_in_flight.max(shared.in_flight);
        let delay = shared.default_delay;
        shared.answers.pop_front().unwrap_or(Answer {
            status: 200,
            delay,
            retry_after: None,
        })
    };
    tokio::time::sleep(answer.delay).await;
    shared.lock().unwrap().in_flight -= 1;
    let mut response = (StatusCode::from_u16(answer.status).unwrap(), "received").into_response();
    if let Some(seconds) = answer.retry_after {
        response
            .headers_mut()
            .insert("retry-after", seconds.to_string().parse().unwrap());
    }
    response
}
