//! CPU time, from /proc: the Spoke server's, and PostgreSQL's (every
//! process of the machine named `postgres`: its backends and its
//! background workers), so a figure can say where a request's time went.

/// User + system CPU seconds a process has used so far.
pub fn process_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU seconds of every `postgres` process, and of those that ended since
/// (their children's time, as /proc counts it, is not kept: backends live
/// as long as Spoke's pool keeps them, for the whole of a measurement).
pub fn postgres_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(process_seconds)
        .sum()
}

/// CPU used during a measurement, per request.
pub struct Meter {
    server: Option<(u32, f64)>,
    postgres: Option<f64>,
}

/// Microseconds of CPU per request: the Spoke node's and PostgreSQL's.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerRequest {
    pub node_us: Option<f64>,
    pub postgres_us: Option<f64>,
}

impl Meter {
    pub fn start(server_pid: Option<u32>, postgres: bool) -> Meter {
        Meter {
            server: server_pid.and_then(|pid| Some((pid, process_seconds(pid)?))),
            postgres: postgres.then(postgres_seconds),
        }
    }

    pub fn per(&self, requests: u64) -> PerRequest {
        if requests == 0 {
            return PerRequest::default();
        }
        let n = requests as f64;
        PerRequest {
            node_us: self
                .server
                .and_then(|(pid, before)| Some((process_seconds(pid)? - before) * 1e6 / n)),
            postgres_us: self
                .postgres
                .map(|before| (postgres_seconds() - before) * 1e6 / n),
        }
    }
}

impl PerRequest {
    /// `  node CPU 12.3 us/req  PostgreSQL CPU 45.6 us/req`, or what is known.
    pub fn describe(&self, unit: &str) -> String {
        let mut out = String::new();
        if let Some(us) = self.node_us {
            out.push_str(&format!("  server CPU {us:>6.1} us/{unit}"));
        }
        if let Some(us) = self.postgres_us {
            out.push_str(&format!("  PostgreSQL CPU {us:>6.1} us/{unit}"));
        }
        out
    }
}
