//! Spoke's benchmarks. Each figure is reported beside a reference measured
//! in the same run (the server's own /health, raw SQLite), because the
//! machine is shared and noisy; medians over several interleaved rounds.

mod admin_ui;
mod cpu;
mod data;
mod import;
mod ingest;
mod limits;
mod lists;
mod load;
mod memory;
mod raw_postgres;
mod raw_sqlite;
mod sandbox;
mod search;
mod soak;
mod webhooks;

use clap::{Parser, Subcommand};
use load::{median, Call, RunStats, Stop};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Load generator and reference measurements for BENCHMARKS.md")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The Spoke under test.
#[derive(clap::Args, Clone)]
pub struct Target {
    /// Address of a running Spoke.
    #[arg(long)]
    pub addr: SocketAddr,
    /// Access token of the portal to load.
    #[arg(long)]
    pub token: String,
    /// Pid of the server, to report its CPU time per request and memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The server runs on a PostgreSQL of this machine: report
    /// PostgreSQL's CPU time per request too.
    #[arg(long)]
    pub postgres: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create contacts through batch/create, then the raw SQLite insert
    /// rate of plain contact rows as the reference.
    Ingest {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1_000_000)]
        contacts: u64,
        /// Inputs per request.
        #[arg(long, default_value_t = 100)]
        batch: u64,
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Rows of the raw reference (0 to skip it).
        #[arg(long, default_value_t = 200_000)]
        reference_rows: u64,
        /// Take the raw reference on this PostgreSQL database instead of a
        /// SQLite file.
        #[arg(long)]
        reference_database_url: Option<String>,
    },
    /// The five search shapes, then GET /health, at N clients.
    Search {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 8)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// One fixed GET, for ad-hoc measurements.
    Get {
        #[command(flatten)]
        target: Target,
        /// Path and query to request.
        #[arg(long)]
        path: String,
        /// Status every response must have.
        #[arg(long, default_value_t = 200)]
        expect: u16,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// The raw SQLite scan of a Spoke database's contacts (run it on a
    /// stopped Spoke's data), the reference for a start-up.
    ScanReference {
        /// Spoke's database file (`spoke.db` in its data directory).
        #[arg(long)]
        db: std::path::PathBuf,
    },
    /// Ingest into a portal whose app has three webhook subscriptions,
    /// delivered to a receiver in this process, beside the same ingest into
    /// a portal without; rounds interleaved.
    Webhooks {
        /// Address of a fresh Spoke (its portals 2 and 3 are made here).
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long)]
        admin_token: String,
        /// Contacts per portal, over all rounds.
        #[arg(long, default_value_t = 100_000)]
        contacts: u64,
        #[arg(long, default_value_t = 2)]
        rounds: usize,
    },
    /// Portal create, and reset of a portal holding N contacts, beside
    /// GET /health.
    /// `spoke import` of a CSV of N contacts beside batch/create of the same
    /// contacts, each into a fresh portal, then the file again.
    Import {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        admin_token: String,
        /// The spoke binary to run `spoke import` with.
        #[arg(long)]
        spoke: std::path::PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
    },
    Sandbox {
        /// Address of a running Spoke.
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long)]
        admin_token: String,
        /// Contacts in the portal before each reset.
        #[arg(long, value_delimiter = ',', default_values_t = [1_000u64, 10_000, 100_000])]
        sizes: Vec<u64>,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Ingest into a portal with DYNAMIC lists beside one without, then
    /// membership page reads and a new list's evaluation.
    Lists {
        /// Address of a fresh Spoke (its portals 2 and 3 are made here).
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long)]
        admin_token: String,
        /// Contacts per portal, over all rounds.
        #[arg(long, default_value_t = 1_000_000)]
        contacts: u64,
        #[arg(long, default_value_t = 2)]
        rounds: usize,
        /// DYNAMIC lists in the portal with lists.
        #[arg(long, default_value_t = 50)]
        lists: usize,
    },
    /// A steady mix of reads, writes, searches and list pages with webhook
    /// deliveries for a long time: per window the server's RSS, errors and
    /// p99 beside /health's; fails on any error or undelivered event.
    Soak {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        admin_token: String,
        #[arg(long, default_value_t = 3600)]
        seconds: u64,
        /// Mixed calls per second.
        #[arg(long, default_value_t = 50.0)]
        rate: f64,
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Seconds per reported window.
        #[arg(long, default_value_t = 60)]
        window: u64,
        /// Contacts created before the load.
        #[arg(long, default_value_t = 10_000)]
        seed: u64,
        /// Fail when RSS grew more than this many MiB from the first window
        /// to the last.
        #[arg(long)]
        max_rss_growth_mib: Option<f64>,
        /// Balance creations with GDPR deletions, so the data set keeps
        /// its size.
        #[arg(long)]
        steady: bool,
        /// Seconds of full-speed reads before the measured windows.
        #[arg(long, default_value_t = 0)]
        warmup: u64,
    },
    /// The admin page on a big portal: the contacts table, a search and a
    /// contact's page beside GET /health.
    AdminUi {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        admin_token: String,
        #[arg(long, default_value_t = 1_000_000)]
        contacts: u64,
        #[arg(long, default_value_t = 7)]
        rounds: usize,
        /// Calls per kind per round.
        #[arg(long, default_value_t = 20)]
        calls: usize,
    },
    /// Seed contacts, then GET-by-id versus GET /health, interleaved.
    GetById {
        #[command(flatten)]
        target: Target,
        /// Contacts to create first (0 to reuse what is there).
        #[arg(long, default_value_t = 100_000)]
        seed: u64,
        /// Ids are drawn from 1..=ids (defaults to --seed).
        #[arg(long)]
        ids: Option<u64>,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Interleaved rounds of (health, contact).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// A second Spoke, on PostgreSQL, measured in the same rounds.
        #[arg(long)]
        postgres_addr: Option<SocketAddr>,
        #[arg(long)]
        postgres_token: Option<String>,
        #[arg(long)]
        postgres_pid: Option<u32>,
        /// Also measure each round with the portal's rate limits on (a
        /// custom limit too high to reach, then HubSpot's), through the
        /// admin API with this token; the same token on both Spokes.
        #[arg(long)]
        admin_token: Option<String>,
    },
}

fn main() {
    let cli = Cli::parse();
    // One client thread: the other core is left to the server.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match cli.command {
        Command::Ingest {
            target,
            contacts,
            batch,
            connections,
            reference_rows,
            reference_database_url,
        } => runtime.block_on(async {
            let served = ingest::ingest(&target, contacts, batch, connections).await;
            if reference_rows > 0 {
                std::thread::sleep(ingest::pause());
                match reference_database_url {
                    Some(url) => {
                        let raw = raw_postgres::inserts(&url, reference_rows, batch).await;
                        println!("ingest / raw PostgreSQL: {:.2}", served / raw);
                    }
                    None => {
                        let raw = raw_sqlite::inserts(reference_rows, batch);
                        println!("ingest / raw SQLite: {:.2}", served / raw);
                    }
                }
            }
        }),
        Command::Search {
            target,
            connections,
            seconds,
        } => runtime.block_on(search::search(&target, connections, seconds)),
        Command::Get {
            target,
            path,
            expect,
            connections,
            seconds,
        } => runtime.block_on(async {
            let stop = Stop::After(Duration::from_secs(seconds));
            let m = measure(&target, connections, stop, expect, move |_| {
                Call::get(path.clone())
            })
            .await;
            report("GET", &m);
        }),
        Command::Webhooks {
            addr,
            admin_token,
            contacts,
            rounds,
        } => runtime.block_on(webhooks::run(addr, &admin_token, contacts, rounds)),
        Command::Lists {
            addr,
            admin_token,
            contacts,
            rounds,
            lists,
        } => runtime.block_on(lists::run(addr, &admin_token, contacts, rounds, lists)),
        Command::Import {
            target,
            admin_token,
            spoke,
            rows,
        } => runtime.block_on(import::run(&target, &admin_token, &spoke, rows)),
        Command::Sandbox {
            addr,
            admin_token,
            sizes,
            rounds,
        } => runtime.block_on(sandbox::run(addr, &admin_token, &sizes, rounds)),
        Command::Soak {
            target,
            admin_token,
            seconds,
            rate,
            connections,
            window,
            seed,
            max_rss_growth_mib,
            steady,
            warmup,
        } => runtime.block_on(soak::run(
            &target,
            soak::Options {
                seconds,
                rate,
                connections,
                window,
                seed,
                admin_token,
                max_rss_growth_mib,
                steady,
                warmup,
            },
        )),
        Command::AdminUi {
            target,
            admin_token,
            contacts,
            rounds,
            calls,
        } => runtime.block_on(admin_ui::run(
            &target,
            &admin_token,
            contacts,
            rounds,
            calls,
        )),
        Command::ScanReference { db } => {
            raw_sqlite::scan(&db);
        }
        Command::GetById {
            target,
            seed,
            ids,
            connections,
            seconds,
            rounds,
            postgres_addr,
            postgres_token,
            postgres_pid,
            admin_token,
        } => runtime.block_on(async {
            let postgres = postgres_addr.map(|addr| Target {
                addr,
                token: postgres_token.unwrap_or_else(|| target.token.clone()),
                server_pid: postgres_pid,
                postgres: true,
            });
            seed_contacts(&target, seed).await;
            if let Some(pg) = &postgres {
                seed_contacts(pg, seed).await;
            }
            let ids = ids.unwrap_or(seed);
            get_by_id(
                &target,
                postgres.as_ref(),
                ids,
                connections,
                Duration::from_secs(seconds),
                rounds,
                admin_token.as_deref(),
            )
            .await
        }),
    }
}

/// One measurement, with the CPU time per request of the server and (on
/// PostgreSQL) of the database.
pub struct Measured {
    pub stats: RunStats,
    pub cpu: cpu::PerRequest,
}

pub async fn measure<F>(
    target: &Target,
    connections: usize,
    stop: Stop,
    expect: u16,
    next: F,
) -> Measured
where
    F: Fn(u64) -> Call + Send + Sync + 'static,
{
    let meter = cpu::Meter::start(target.server_pid, target.postgres);
    let stats = load::run(target.addr, &target.token, connections, stop, expect, next).await;
    let cpu = meter.per(stats.requests);
    Measured { stats, cpu }
}

pub fn report(label: &str, m: &Measured) {
    let s = &m.stats;
    let cpu = m.cpu.describe("req");
    println!(
        "  {label:<22} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}{cpu}",
        s.rps(),
        s.percentile_ms(0.50),
        s.percentile_ms(0.99),
        s.errors
    );
}

/// Creates contacts 0..n through the API, 32 requests at a time.
async fn seed_contacts(target: &Target, n: u64) {
    if n == 0 {
        return;
    }
    let m = measure(target, 32, Stop::Count(n), 201, |number| {
        let mut rng = data::Rng::new(number + 1);
        let body = serde_json::json!({ "properties": data::contact_properties(&mut rng, number) });
        Call::post(
            "/crm/v3/objects/contacts",
            serde_json::to_vec(&body).unwrap(),
        )
    })
    .await;
    assert_eq!(m.stats.errors, 0, "seeding failed");
    println!(
        "seeded {} contacts in {:.1} s ({:.0}/s through POST /crm/v3/objects/contacts)",
        m.stats.requests,
        m.stats.elapsed.as_secs_f64(),
        m.stats.rps()
    );
}

async fn get_by_id(
    target: &Target,
    postgres: Option<&Target>,
    ids: u64,
    connections: usize,
    duration: Duration,
    rounds: usize,
    admin_token: Option<&str>,
) {
    println!(
        "GET-by-id vs /health, {connections} connections, {} s per run, {rounds} rounds",
        duration.as_secs()
    );
    let mut with_limits = limits::Rows::default();
    let contact_call = move |seq: u64| {
        let mut rng = data::Rng::new(seq + 7);
        Call::get(format!("/crm/v3/objects/contacts/{}", 1 + rng.below(ids)))
    };
    // Columns: health rps, contact rps, ratio, health p99, contact p99,
    // health CPU, contact CPU; then on PostgreSQL: rps, p99, node CPU,
    // database CPU, and its rps over SQLite's.
    let mut rows: [Vec<f64>; 12] = Default::default();
    for round in 1..=rounds {
        println!("round {round}");
        let health = measure(target, connections, Stop::After(duration), 200, |_| {
            Call::get("/health")
        })
        .await;
        report("GET /health", &health);
        let contact = measure(
            target,
            connections,
            Stop::After(duration),
            200,
            contact_call,
        )
        .await;
        report("GET contact by id", &contact);
        let (h, c) = (&health.stats, &contact.stats);
        let mut values = vec![
            h.rps(),
            c.rps(),
            c.rps() / h.rps(),
            h.percentile_ms(0.99),
            c.percentile_ms(0.99),
            health.cpu.node_us.unwrap_or(f64::NAN),
            contact.cpu.node_us.unwrap_or(f64::NAN),
        ];
        if let Some(pg) = postgres {
            let on_pg = measure(pg, connections, Stop::After(duration), 200, contact_call).await;
            report("GET contact, PostgreSQL", &on_pg);
            values.extend([
                on_pg.stats.rps(),
                on_pg.stats.percentile_ms(0.99),
                on_pg.cpu.node_us.unwrap_or(f64::NAN),
                on_pg.cpu.postgres_us.unwrap_or(f64::NAN),
                on_pg.stats.rps() / c.rps(),
            ]);
        }
        for (row, value) in rows.iter_mut().zip(values) {
            row.push(value);
        }
        if let Some(admin) = admin_token {
            let off_pg = rows[7].last().copied();
            with_limits
                .round(
                    target,
                    postgres,
                    admin,
                    connections,
                    duration,
                    contact_call,
                    c.rps(),
                    off_pg,
                )
                .await;
        }
    }
    let [h_rps, c_rps, ratio, h_p99, c_p99, h_cpu, c_cpu, pg_rps, pg_p99, pg_node, pg_db, pg_ratio] =
        &mut rows;
    println!("medians over {rounds} rounds");
    println!(
        "  GET /health            {:>9.0} req/s  p99 {:>6.2} ms  server CPU {:>5.1} us/req",
        median(h_rps),
        median(h_p99),
        median(h_cpu)
    );
    println!(
        "  GET contact by id      {:>9.0} req/s  p99 {:>6.2} ms  server CPU {:>5.1} us/req",
        median(c_rps),
        median(c_p99),
        median(c_cpu)
    );
    println!("  contact / health       {:>9.2}", median(ratio));
    if postgres.is_some() {
        println!(
            "  GET contact, PostgreSQL {:>8.0} req/s  p99 {:>6.2} ms  node CPU {:>5.1} us/req  PostgreSQL CPU {:>5.1} us/req",
            median(pg_rps),
            median(pg_p99),
            median(pg_node),
            median(pg_db)
        );
        println!("  PostgreSQL / SQLite    {:>9.2}", median(pg_ratio));
        let (node, db) = (median(pg_node), median(pg_db));
        if node > 0.0 && db > 0.0 {
            println!(
                "  one PostgreSQL core serves {:.0} GETs/s; one node core {:.0}: a PostgreSQL server feeds about {:.1} nodes of equal cores",
                1e6 / db,
                1e6 / node,
                node / db
            );
        }
    }
    if admin_token.is_some() {
        with_limits.summary(rounds);
    }
    std::thread::sleep(ingest::pause());
    let raw_us = raw_sqlite::point_reads(ids, duration.min(Duration::from_secs(5)));
    println!(
        "  server CPU per contact GET / raw SQLite read {:>6.1}",
        median(c_cpu) / raw_us
    );
}
