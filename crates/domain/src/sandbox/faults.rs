//! HubSpot misbehaving on purpose: a portal's fault rules
//! (`PUT /_spoke/v1/portals/{portalId}/faults`) and its search lag.
//!
//! A rule chooses requests by method and path (a glob where `*` matches
//! any run of characters, `/` included), hits a share of them (`rate`),
//! waits `latencyMs` before answering, and answers with one of HubSpot's
//! transient errors (`status`) instead of running the request, so a
//! request answered with an injected error wrote nothing. A rule with a
//! `count` hits that many requests, across nodes, and then expires. The
//! first rule that hits a request decides it.
//!
//! `searchLagMs` hides each write from search for that long, as HubSpot's
//! index does: a contact written less than that long ago is not found.

use crate::access::service::no_portal;
use crate::error::{Error, Result};
use crate::ids::PortalId;
use crate::store::Store;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Most rules one portal may hold.
pub const MAX_RULES: usize = 50;
/// Longest latency a rule may add.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Longest search lag.
pub const MAX_SEARCH_LAG_MS: u64 = 600_000;

/// HubSpot's transient answers a rule may give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultStatus {
    /// 429 with the ten-secondly rate-limit body.
    TooManyRequests,
    InternalError,
    BadGateway,
    ServiceUnavailable,
    GatewayTimeout,
    /// 423 `LOCKED`.
    Locked,
}

impl FaultStatus {
    pub fn parse(code: u64) -> Option<FaultStatus> {
        Some(match code {
            429 => FaultStatus::TooManyRequests,
            500 => FaultStatus::InternalError,
            502 => FaultStatus::BadGateway,
            503 => FaultStatus::ServiceUnavailable,
            504 => FaultStatus::GatewayTimeout,
            423 => FaultStatus::Locked,
            _ => return None,
        })
    }

    pub fn code(self) -> u16 {
        match self {
            FaultStatus::TooManyRequests => 429,
            FaultStatus::InternalError => 500,
            FaultStatus::BadGateway => 502,
            FaultStatus::ServiceUnavailable => 503,
            FaultStatus::GatewayTimeout => 504,
            FaultStatus::Locked => 423,
        }
    }

    /// The category and message of the body (429 has its own body).
    pub fn category_and_message(self) -> (&'static str, &'static str) {
        match self {
            FaultStatus::TooManyRequests => (
                "RATE_LIMITS",
                "You have reached your ten_secondly_rolling limit.",
            ),
            FaultStatus::InternalError => (
                "INTERNAL_ERROR",
                "An internal error occurred (a fault injected by Spoke). Quote the correlationId when reporting it.",
            ),
            FaultStatus::BadGateway => (
                "SERVICE_UNAVAILABLE",
                "Bad gateway (a fault injected by Spoke). Retry the request shortly.",
            ),
            FaultStatus::ServiceUnavailable => (
                "SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable (a fault injected by Spoke). Retry the request shortly.",
            ),
            FaultStatus::GatewayTimeout => (
                "SERVICE_UNAVAILABLE",
                "The request timed out (a fault injected by Spoke). Retry the request shortly.",
            ),
            FaultStatus::Locked => (
                "LOCKED",
                "The record is locked by another request (a fault injected by Spoke). Retry after 2 seconds.",
            ),
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// Upper-case method, or any.
    pub method: Option<String>,
    /// A path glob, or any.
    pub path: Option<String>,
    /// The answer; without one the rule only adds latency.
    pub status: Option<FaultStatus>,
    /// Share of matching requests hit, in (0, 1].
    pub rate: f64,
    pub latency_ms: u64,
    /// How many requests the rule hits before it expires.
    pub count: Option<u64>,
}

/// A portal's faults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PortalFaults {
    pub rules: Vec<FaultRule>,
    pub search_lag_ms: u64,
}

fn invalid(location: &str, message: impl Into<String>) -> Error {
    Error::invalid_field(location, message)
}

impl PortalFaults {
    /// Reads and checks the body of `PUT .../faults`.
    pub fn parse(value: &Value) -> Result<PortalFaults> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid("", "The faults must be a JSON object."))?;
        if let Some(key) = object.keys().find(|k| *k != "rules" && *k != "searchLagMs") {
            return Err(invalid(
                key,
                format!("Unknown field {key}: expected rules and searchLagMs."),
            ));
        }
        let rules: &[Value] = match object.get("rules") {
            None | Some(Value::Null) => &[],
            Some(Value::Array(rules)) => rules,
            Some(_) => return Err(invalid("rules", "rules must be an array.")),
        };
        if rules.len() > MAX_RULES {
            return Err(invalid(
                "rules",
                format!("At most {MAX_RULES} rules; {} given.", rules.len()),
            ));
        }
        let rules = rules
            .iter()
            .enumerate()
            .map(|(i, r)| parse_rule(i, r))
            .collect::<Result<Vec<_>>>()?;
        let search_lag_ms = match object.get("searchLagMs") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_u64()
                .filter(|ms| *ms <= MAX_SEARCH_LAG_MS)
                .ok_or_else(|| {
                    invalid(
                        "searchLagMs",
                        format!("searchLagMs must be a whole number of milliseconds from 0 to {MAX_SEARCH_LAG_MS}."),
                    )
                })?,
        };
        Ok(PortalFaults {
            rules,
            search_lag_ms,
        })
    }

    /// The form stores keep: every rule with its full budget, read back
    /// with [`PortalFaults::parse`].
    pub fn to_stored(&self) -> Value {
        let budgets: Vec<Option<u64>> = self.rules.iter().map(|r| r.count).collect();
        self.to_json(&budgets)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.search_lag_ms == 0
    }

    /// The faults in force, as answered: each rule with a budget shows
    /// what is left of it (`remaining[i]`), and spent rules are gone.
    pub fn to_json(&self, remaining: &[Option<u64>]) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| {
                let left = match rule.count {
                    None => None,
                    Some(_) => match remaining.get(i).copied().flatten() {
                        Some(0) | None => return None,
                        left => left,
                    },
                };
                let mut out = Map::new();
                if let Some(m) = &rule.method {
                    out.insert("method".into(), json!(m));
                }
                if let Some(p) = &rule.path {
                    out.insert("path".into(), json!(p));
                }
                if let Some(s) = rule.status {
                    out.insert("status".into(), json!(s.code()));
                }
                out.insert("rate".into(), json!(rule.rate));
                out.insert("latencyMs".into(), json!(rule.latency_ms));
                if let Some(left) = left {
                    out.insert("count".into(), json!(left));
                }
                Some(Value::Object(out))
            })
            .collect();
        json!({"rules": rules, "searchLagMs": self.search_lag_ms})
    }

    /// The rules that choose a request, with their positions, in order.
    pub fn matching<'a>(
        &'a self,
        method: &'a str,
        path: &'a str,
    ) -> impl Iterator<Item = (usize, &'a FaultRule)> + 'a {
        self.rules.iter().enumerate().filter(move |(_, rule)| {
            rule.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule.path.as_deref().is_none_or(|p| glob(p, path))
        })
    }
}

fn parse_rule(i: usize, value: &Value) -> Result<FaultRule> {
    let at = |field: &str| format!("rules[{i}].{field}");
    let object = value
        .as_object()
        .ok_or_else(|| invalid(&format!("rules[{i}]"), "A rule must be a JSON object."))?;
    const FIELDS: [&str; 6] = ["method", "path", "status", "rate", "latencyMs", "count"];
    if let Some(key) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            &at(key),
            format!(
                "Unknown field {key}: a rule has method, path, status, rate, latencyMs and count."
            ),
        ));
    }
    let text = |field: &str| -> Result<Option<String>> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => Err(invalid(
                &at(field),
                format!("{field} must be a non-empty string."),
            )),
        }
    };
    let method = text("method")?.map(|m| m.to_ascii_uppercase());
    if let Some(m) = &method {
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()) {
            return Err(invalid(
                &at("method"),
                format!("Unknown method {m}: expected GET, POST, PUT, PATCH or DELETE."),
            ));
        }
    }
    let path = text("path")?;
    if path.as_deref().is_some_and(|p| !p.starts_with('/')) {
        return Err(invalid(&at("path"), "path must start with '/'."));
    }
    let status = match object.get("status") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().and_then(FaultStatus::parse).ok_or_else(|| {
            invalid(
                &at("status"),
                "status must be one of HubSpot's transient answers: 429, 500, 502, 503, 504 or 423.",
            )
        })?),
    };
    let rate = match object.get("rate") {
        None | Some(Value::Null) => 1.0,
        Some(v) => v
            .as_f64()
            .filter(|r| *r > 0.0 && *r <= 1.0)
            .ok_or_else(|| invalid(&at("rate"), "rate must be a number above 0 and at most 1."))?,
    };
    let latency_ms = match object.get("latencyMs") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().filter(|l| *l <= MAX_LATENCY_MS).ok_or_else(|| {
            invalid(
                &at("latencyMs"),
                format!(
                    "latencyMs must be a whole number of milliseconds from 0 to {MAX_LATENCY_MS}."
                ),
            )
        })?,
    };
    let count =
        match object.get("count") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().filter(|c| *c >= 1).ok_or_else(|| {
                invalid(&at("count"), "count must be a whole number of at least 1.")
            })?),
        };
    if status.is_none() && latency_ms == 0 {
        return Err(invalid(
            &format!("rules[{i}]"),
            "A rule needs a status, a latencyMs, or both.",
        ));
    }
    Ok(FaultRule {
        method,
        path,
        status,
        rate,
        latency_ms,
        count,
    })
}

/// Whether `text` matches `pattern`, where `*` matches any run of
/// characters (`/` included) and everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether a rule with `rate` hits this request.
pub fn draw(rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    let roll = getrandom::u64().unwrap_or(0) as f64 / u64::MAX as f64;
    roll < rate
}

/// What a rule does to one call: wait, then answer with an error or go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub latency_ms: u64,
    pub status: Option<FaultStatus>,
}

/// The portal's faults, as the admin API and the request pipeline use
/// them.
#[derive(Clone)]
pub struct Faults {
    store: Arc<dyn Store>,
}

impl Faults {
    pub fn new(store: Arc<dyn Store>) -> Faults {
        Faults { store }
    }

    /// Replaces the portal's faults; answers those in force.
    pub async fn set(&self, portal: PortalId, body: &Value) -> Result<Value> {
        let faults = PortalFaults::parse(body)?;
        if !self.store.set_faults(portal, Some(faults)).await? {
            return Err(no_portal(portal));
        }
        self.in_force(portal).await
    }

    /// The faults in force: spent rules are gone, budgets show what is left.
    pub async fn in_force(&self, portal: PortalId) -> Result<Value> {
        if self.store.portal(portal).await?.is_none() {
            return Err(no_portal(portal));
        }
        let faults = self.store.faults(portal).await?;
        let budgets = self.store.fault_budgets(portal).await?;
        Ok(faults.to_json(&budgets))
    }

    pub async fn clear(&self, portal: PortalId) -> Result<()> {
        if self.store.set_faults(portal, None).await? {
            Ok(())
        } else {
            Err(no_portal(portal))
        }
    }

    /// What the portal's rules do to a call (`None`: nothing). The first
    /// rule that chooses the call, wins its draw and has budget left hits.
    pub async fn hit(&self, portal: PortalId, method: &str, path: &str) -> Result<Option<Hit>> {
        let faults = self.store.faults(portal).await?;
        for (i, rule) in faults.matching(method, path) {
            if !draw(rule.rate) {
                continue;
            }
            if rule.count.is_some() && !self.store.take_fault(portal, i).await? {
                continue;
            }
            return Ok(Some(Hit {
                latency_ms: rule.latency_ms,
                status: rule.status,
            }));
        }
        Ok(None)
    }

    /// How long search does not see a write, in ms (0: at once).
    pub async fn search_lag_ms(&self, portal: PortalId) -> Result<u64> {
        Ok(self.store.faults(portal).await?.search_lag_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_any_run_of_characters() {
        assert!(glob(
            "/crm/v3/objects/contacts*",
            "/crm/v3/objects/contacts"
        ));
        assert!(glob(
            "/crm/v3/objects/contacts*",
            "/crm/v3/objects/contacts/12/x"
        ));
        assert!(!glob("/crm/v3/objects/contacts*", "/crm/v3/lists"));
        assert!(glob("*/search", "/crm/v3/objects/contacts/search"));
        assert!(!glob("*/search", "/crm/v3/objects/contacts/search/x"));
        assert!(glob("/crm/*/contacts/*/x", "/crm/v3/objects/contacts/5/x"));
        assert!(glob("/exact", "/exact"));
        assert!(!glob("/exact", "/exactly"));
        assert!(glob("*", "/anything"));
        assert!(!glob("/a*a", "/a"));
    }

    #[test]
    fn rules_are_read_checked_and_answered() {
        let faults = PortalFaults::parse(&json!({"rules": [
            {"method": "get", "path": "/crm/v3/objects/contacts*", "status": 503, "rate": 0.5, "latencyMs": 200, "count": 3},
            {"latencyMs": 10}
        ], "searchLagMs": 5000}))
        .unwrap();
        assert_eq!(faults.rules[0].method.as_deref(), Some("GET"));
        assert_eq!(
            faults.rules[0].status,
            Some(FaultStatus::ServiceUnavailable)
        );
        assert_eq!(faults.rules[1].rate, 1.0);
        assert_eq!(faults.search_lag_ms, 5000);
        let hits: Vec<usize> = faults
            .matching("GET", "/crm/v3/objects/contacts/1")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hits, [0, 1]);
        let hits: Vec<usize> = faults
            .matching("POST", "/crm/v3/objects/contacts")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hits, [1]);
        assert_eq!(
            faults.to_json(&[Some(2), None]),
            json!({"rules": [
                {"method": "GET", "path": "/crm/v3/objects/contacts*", "status": 503, "rate": 0.5, "latencyMs": 200, "count": 2},
                {"rate": 1.0, "latencyMs": 10}
            ], "searchLagMs": 5000})
        );
        // A spent rule is gone.
        assert_eq!(
            faults.to_json(&[Some(0), None])["rules"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        for (bad, field) in [
            (json!({"rules": [{"status": 418}]}), "rules[0].status"),
            (
                json!({"rules": [{"status": 500, "rate": 0}]}),
                "rules[0].rate",
            ),
            (
                json!({"rules": [{"status": 500, "rate": 1.5}]}),
                "rules[0].rate",
            ),
            (
                json!({"rules": [{"status": 500, "count": 0}]}),
                "rules[0].count",
            ),
            (
                json!({"rules": [{"status": 500, "latencyMs": 999999}]}),
                "rules[0].latencyMs",
            ),
            (
                json!({"rules": [{"status": 500, "path": "crm"}]}),
                "rules[0].path",
            ),
            (
                json!({"rules": [{"status": 500, "method": "BREW"}]}),
                "rules[0].method",
            ),
            (
                json!({"rules": [{"status": 500, "colour": "red"}]}),
                "rules[0].colour",
            ),
            (json!({"rules": [{"method": "GET"}]}), "rules[0]"),
            (json!({"rules": {}}), "rules"),
            (json!({"searchLagMs": -1}), "searchLagMs"),
            (json!({"faults": []}), "faults"),
        ] {
            let err = PortalFaults::parse(&bad).unwrap_err();
            let Error::Invalid(invalid) = &err else {
                panic!("{bad}: {err:?}");
            };
            assert_eq!(
                invalid.details[0].location.as_deref(),
                Some(field),
                "{bad}: {err}"
            );
        }
        assert!(PortalFaults::parse(&json!({})).unwrap().is_empty());
        assert_eq!(PortalFaults::parse(&faults.to_stored()).unwrap(), faults);
    }

    #[test]
    fn a_rate_hits_about_that_share() {
        assert!(draw(1.0));
        let hits = (0..10_000).filter(|_| draw(0.25)).count();
        assert!((2_000..3_000).contains(&hits), "{hits}");
    }
}
