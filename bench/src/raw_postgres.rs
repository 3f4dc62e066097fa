//! The raw PostgreSQL reference for ingest: plain contact rows (the same
//! JSON the load generator sends) inserted with tokio-postgres in
//! transactions of 100, one multi-row insert each, on the server Spoke
//! uses, with its durability (fsync and synchronous_commit as configured):
//! none of Spoke's work (no HTTP, history, identities, outbox or search
//! terms).

use crate::data;
use std::time::Instant;

pub async fn inserts(url: &str, rows: u64, batch: u64) -> f64 {
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the reference database is reachable");
    tokio::spawn(connection);
    client
        .batch_execute(
            "DROP TABLE IF EXISTS bench_raw_contacts;
             CREATE TABLE bench_raw_contacts (portal_id BIGINT, contact_id BIGINT,
               properties JSONB NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
               PRIMARY KEY (portal_id, contact_id))",
        )
        .await
        .unwrap();
    let bodies: Vec<String> = (0..rows)
        .map(|n| data::contact_properties(&mut data::Rng::new(n + 1), n).to_string())
        .collect();
    let started = Instant::now();
    for chunk in 0..rows.div_ceil(batch) {
        let range = chunk * batch..((chunk + 1) * batch).min(rows);
        let ids: Vec<i64> = range.clone().map(|n| n as i64 + 1).collect();
        let docs: Vec<&str> = range.map(|n| bodies[n as usize].as_str()).collect();
        let tx = client.transaction().await.unwrap();
        tx.execute(
            "INSERT INTO bench_raw_contacts
             SELECT 1, id, doc::jsonb, 1700000000000 + id, 1700000000000 + id
             FROM unnest($1::int8[], $2::text[]) AS u(id, doc)",
            &[&ids, &docs],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    client
        .batch_execute("DROP TABLE bench_raw_contacts")
        .await
        .unwrap();
    println!("raw PostgreSQL: {rows} plain contact rows in transactions of {batch} (one insert each) = {rate:.0} rows/s");
    rate
}
