//! The raw SQLite references: what rusqlite does on this machine, in the
//! same run, with the rows Spoke stores and none of its work around them
//! (no HTTP, no history, no identities, no outbox, no search index).

use crate::data;
use rusqlite::{params, Connection};
use std::time::{Duration, Instant};

/// Columns as Spoke's `contacts` table has them.
const PLAIN_TABLE: &str = "CREATE TABLE contacts (key INTEGER PRIMARY KEY, portal_id INTEGER NOT NULL,
  id INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, properties TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, archived_at INTEGER, merged_into INTEGER)";

/// The key of contact `id` of portal 1, as Spoke keys rows.
fn key(id: i64) -> i64 {
    (1i64 << 40) | id
}

/// A fresh database in WAL mode with Spoke's default durability.
fn open(dir: &tempfile::TempDir) -> Connection {
    let conn = Connection::open(dir.path().join("raw.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .unwrap();
    conn.execute_batch(PLAIN_TABLE).unwrap();
    conn
}

/// Inserts contacts 1..=rows (the same JSON the load generator sends) in
/// transactions of `batch`; returns rows per second.
fn insert(conn: &Connection, rows: u64, batch: u64) -> f64 {
    let bodies: Vec<String> = (0..rows)
        .map(|n| {
            let mut rng = data::Rng::new(n + 1);
            data::contact_properties(&mut rng, n).to_string()
        })
        .collect();
    let started = Instant::now();
    for chunk in 0..rows.div_ceil(batch) {
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO contacts (key, portal_id, id, properties, created_at, updated_at) VALUES (?1, 1, ?2, ?3, ?4, ?4)",
                )
                .unwrap();
            for n in chunk * batch..((chunk + 1) * batch).min(rows) {
                let id = n as i64 + 1;
                stmt.execute(params![
                    key(id),
                    id,
                    bodies[n as usize],
                    1_700_000_000_000i64 + id
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    rows as f64 / started.elapsed().as_secs_f64()
}

/// Plain contact rows inserted in transactions of `batch`: the reference
/// for ingest through `batch/create`.
pub fn inserts(rows: u64, batch: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let rate = insert(&open(&dir), rows, batch);
    println!("raw SQLite: {rows} plain contact rows in transactions of {batch} (WAL, synchronous=FULL) = {rate:.0} rows/s");
    rate
}

/// Point reads by key of random rows from a table of `rows` contacts, on
/// one thread, each its own read transaction as a GET's is: the reference
/// for GET by id. Returns microseconds per read.
pub fn point_reads(rows: u64, duration: Duration) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let conn = open(&dir);
    insert(&conn, rows, 1_000);
    let mut stmt = conn
        .prepare(
            "SELECT id, properties, created_at, updated_at, archived_at, state, merged_into
             FROM contacts WHERE key = ?1",
        )
        .unwrap();
    let mut rng = data::Rng::new(11);
    let (mut reads, mut bytes) = (0u64, 0usize);
    let started = Instant::now();
    while started.elapsed() < duration {
        for _ in 0..1_024 {
            let id = 1 + rng.below(rows) as i64;
            let json: String = stmt.query_row([key(id)], |row| row.get(1)).unwrap();
            bytes += json.len();
            reads += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let micros = seconds * 1e6 / reads as f64;
    println!(
        "raw SQLite: point reads of {rows} plain contact rows, one thread = {:.0} reads/s ({micros:.1} us/read, {} bytes of JSON on average)",
        reads as f64 / seconds,
        bytes / reads.max(1) as usize
    );
    micros
}

/// Reads every contact row's properties from Spoke's own database file,
/// parsing each as JSON (the least a rebuild of the search index must do):
/// the reference for a start-up on a large portal. Returns seconds.
pub fn scan(db: &std::path::Path) -> f64 {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let started = Instant::now();
    let mut stmt = conn
        .prepare("SELECT properties FROM contacts WHERE state = 0")
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let (mut count, mut values) = (0u64, 0usize);
    while let Some(row) = rows.next().unwrap() {
        let json = row.get_ref(0).unwrap().as_str().unwrap();
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).unwrap();
        values += map.len();
        count += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "raw SQLite: scan of {count} contact rows with their JSON parsed ({values} values) = {:.0} ms",
        seconds * 1e3
    );
    seconds
}
