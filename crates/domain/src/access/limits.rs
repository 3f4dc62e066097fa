//! Rate limits as HubSpot applies them, and how calls are counted.
//!
//! Three allowances, each counted in buckets of a rolling window:
//! - the burst: calls per ten seconds, per app (private apps and the API
//!   key by the portal's tier; public OAuth apps 110 per installing portal),
//!   search excluded;
//! - the daily limit: calls per day per portal, for private apps and the API
//!   key only, reset at midnight in the portal's time zone (UTC in Spoke);
//! - search: calls per second per portal.
//!
//! A [`RateCounter`] keeps the counts: in memory for one node, in the
//! database when several nodes share it. A [`Limiter`] takes calls from a
//! counter; on a shared counter it takes them in small leases, so that a node
//! does not ask the database on every call, and shrinks the leases to one
//! call as an allowance nears its end, so that the cluster as a whole never
//! admits more than the limit.

use super::credential::Credential;
use crate::error::{Error, LimitPolicy, Result};
use crate::ids::{AppId, PortalId};
use crate::time::Timestamp;
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// A portal's HubSpot subscription tier, which sets its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    #[default]
    Free,
    Starter,
    Professional,
    Enterprise,
}

impl Tier {
    pub fn parse(text: &str) -> Option<Tier> {
        match text {
            "free" => Some(Tier::Free),
            "starter" => Some(Tier::Starter),
            "professional" => Some(Tier::Professional),
            "enterprise" => Some(Tier::Enterprise),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Starter => "starter",
            Tier::Professional => "professional",
            Tier::Enterprise => "enterprise",
        }
    }

    /// Private apps' calls per ten seconds, per app.
    pub fn ten_secondly(self) -> u64 {
        match self {
            Tier::Free | Tier::Starter => 100,
            Tier::Professional | Tier::Enterprise => 190,
        }
    }

    /// Calls per day, per portal.
    pub fn daily(self) -> u64 {
        match self {
            Tier::Free | Tier::Starter => 250_000,
            Tier::Professional => 625_000,
            Tier::Enterprise => 1_000_000,
        }
    }
}

/// Public OAuth apps' calls per ten seconds, per installing portal.
pub const OAUTH_TEN_SECONDLY: u64 = 110;
/// Search calls per second, per portal.
pub const SEARCH_PER_SECOND: u64 = 5;
/// The burst window, in milliseconds (HubSpot's
/// `X-HubSpot-RateLimit-Interval-Milliseconds`).
pub const BURST_INTERVAL_MS: i64 = 10_000;
const DAY_MS: i64 = 86_400_000;

/// How a portal is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LimitsMode {
    /// No limits and no rate-limit headers.
    #[default]
    Off,
    /// HubSpot's limits for the portal's tier.
    Hubspot,
    /// Limits of the portal's own.
    Custom,
}

impl LimitsMode {
    pub fn parse(text: &str) -> Option<LimitsMode> {
        match text {
            "off" => Some(LimitsMode::Off),
            "hubspot" => Some(LimitsMode::Hubspot),
            "custom" => Some(LimitsMode::Custom),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LimitsMode::Off => "off",
            LimitsMode::Hubspot => "hubspot",
            LimitsMode::Custom => "custom",
        }
    }
}

/// What a portal stores about its limits. A portal without a mode of its own
/// follows the server's default (`--rate-limits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LimitSettings {
    pub mode: Option<LimitsMode>,
    pub ten_secondly: Option<u64>,
    pub daily: Option<u64>,
    pub search_per_second: Option<u64>,
}

/// Largest limit a portal may set (a day of calls at a million per second).
pub const MAX_LIMIT: u64 = 86_400_000_000;

impl LimitSettings {
    /// The settings a `PUT .../limits` body asks for.
    pub fn requested(
        mode: LimitsMode,
        ten_secondly: Option<u64>,
        daily: Option<u64>,
        search_per_second: Option<u64>,
    ) -> Result<LimitSettings> {
        let given = [
            ("tenSecondly", ten_secondly),
            ("daily", daily),
            ("searchPerSecond", search_per_second),
        ];
        for (field, value) in given {
            match value {
                Some(_) if mode != LimitsMode::Custom => {
                    return Err(Error::invalid_field(
                        field,
                        format!(
                        "{field} applies only to mode \"custom\"; mode \"{}\" sets its own limits.",
                        mode.as_str()
                    ),
                    ))
                }
                Some(n) if n == 0 || n > MAX_LIMIT => {
                    return Err(Error::invalid_field(
                        field,
                        format!("{field} must be between 1 and {MAX_LIMIT}, not {n}."),
                    ))
                }
                _ => {}
            }
        }
        Ok(LimitSettings {
            mode: Some(mode),
            ten_secondly,
            daily,
            search_per_second,
        })
    }

    /// The limits in force for a portal of `tier` on a server whose default
    /// mode is `default`.
    pub fn in_force(&self, tier: Tier, default: LimitsMode) -> InForce {
        let mode = self.mode.unwrap_or(default);
        match mode {
            LimitsMode::Off => InForce {
                mode,
                ten_secondly: None,
                oauth_ten_secondly: None,
                daily: None,
                search_per_second: None,
            },
            LimitsMode::Hubspot => InForce {
                mode,
                ten_secondly: Some(tier.ten_secondly()),
                oauth_ten_secondly: Some(OAUTH_TEN_SECONDLY),
                daily: Some(tier.daily()),
                search_per_second: Some(SEARCH_PER_SECOND),
            },
            LimitsMode::Custom => {
                let ten_secondly = self.ten_secondly.unwrap_or(tier.ten_secondly());
                InForce {
                    mode,
                    ten_secondly: Some(ten_secondly),
                    oauth_ten_secondly: Some(self.ten_secondly.unwrap_or(OAUTH_TEN_SECONDLY)),
                    daily: Some(self.daily.unwrap_or(tier.daily())),
                    search_per_second: Some(self.search_per_second.unwrap_or(SEARCH_PER_SECOND)),
                }
            }
        }
    }
}

/// The limits a portal is under now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InForce {
    pub mode: LimitsMode,
    /// Private apps and the API key, per app.
    pub ten_secondly: Option<u64>,
    /// Public OAuth apps, per app and installing portal.
    pub oauth_ten_secondly: Option<u64>,
    pub daily: Option<u64>,
    pub search_per_second: Option<u64>,
}

/// A rolling window: `buckets` buckets of `bucket_ms` each, `max` calls in
/// all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub max: u64,
    pub bucket_ms: i64,
    pub buckets: i64,
}

impl Window {
    /// Ten seconds, counted per second.
    pub fn ten_secondly(max: u64) -> Window {
        Window {
            max,
            bucket_ms: 1000,
            buckets: BURST_INTERVAL_MS / 1000,
        }
    }

    /// One calendar day (UTC).
    pub fn daily(max: u64) -> Window {
        Window {
            max,
            bucket_ms: DAY_MS,
            buckets: 1,
        }
    }

    /// One second.
    pub fn secondly(max: u64) -> Window {
        Window {
            max,
            bucket_ms: 1000,
            buckets: 1,
        }
    }

    /// The bucket `now` falls in.
    pub fn bucket(&self, now: Timestamp) -> i64 {
        now.millis().div_euclid(self.bucket_ms)
    }

    /// The oldest bucket still inside the window at `now`.
    pub fn oldest(&self, now: Timestamp) -> i64 {
        self.bucket(now) - self.buckets + 1
    }

    /// When the current bucket ends (the daily limit's `resetsAt`).
    pub fn bucket_end(&self, now: Timestamp) -> Timestamp {
        Timestamp::from_stored((self.bucket(now) + 1) * self.bucket_ms)
    }

    /// How many of `want` calls may be taken when `used` are counted.
    pub fn grant(&self, used: u64, want: u64) -> u64 {
        want.min(self.max.saturating_sub(used))
    }
}

/// Which allowance of a portal a count belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Allowance {
    /// Calls per day.
    Daily,
    /// Search calls per second.
    Search,
    /// A private app's calls per ten seconds.
    App(AppId),
    /// A public app's calls per ten seconds in the portal.
    OAuth(AppId),
    /// The API key's calls per ten seconds.
    ApiKey,
}

/// One allowance of one portal. Cheap to copy: it is built for every call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LimitKey {
    pub portal: PortalId,
    pub allowance: Allowance,
}

impl LimitKey {
    pub fn daily(portal: PortalId) -> LimitKey {
        LimitKey {
            portal,
            allowance: Allowance::Daily,
        }
    }

    /// The allowance's name where counts are stored by name.
    pub fn name(&self) -> String {
        match self.allowance {
            Allowance::Daily => "daily".into(),
            Allowance::Search => "search".into(),
            Allowance::App(app) => format!("burst:app:{}", app.0),
            Allowance::OAuth(app) => format!("burst:oauth:{}", app.0),
            Allowance::ApiKey => "burst:api-key".into(),
        }
    }

    /// HubSpot's `groupName` of a refused burst.
    fn group(&self) -> String {
        let portal = self.portal.0;
        match self.allowance {
            Allowance::App(app) => {
                format!(
                    "publicapi:private_app-api-calls-ten-secondly:{}:{portal}",
                    app.0
                )
            }
            Allowance::OAuth(app) => {
                format!("publicapi:oauth-api-calls-ten-secondly:{}:{portal}", app.0)
            }
            _ => format!("publicapi:api-key-api-calls-ten-secondly:{portal}"),
        }
    }
}

/// What a counter granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub granted: u64,
    /// Calls counted in the window, the grant included.
    pub used: u64,
}

/// Where calls are counted.
#[async_trait]
pub trait RateCounter: Send + Sync {
    /// Takes up to `want` calls from the allowance of `key` at `now`.
    async fn take(
        &self,
        key: &LimitKey,
        window: Window,
        now: Timestamp,
        want: u64,
    ) -> Result<Taken>;

    /// Calls counted in the window at `now`.
    async fn used(&self, key: &LimitKey, window: Window, now: Timestamp) -> Result<u64>;

    /// Whether several nodes share the counts (then calls are leased).
    fn shared(&self) -> bool;

    /// The counter itself when it counts in this process: the limiter then
    /// takes calls without a future per call.
    fn in_memory(&self) -> Option<&MemoryCounter> {
        None
    }
}

/// Counts of one allowance, bucket by bucket, oldest first.
#[derive(Clone, Debug, Default)]
struct Buckets(VecDeque<(i64, u64)>);

impl Buckets {
    fn used(&mut self, window: &Window, now: Timestamp) -> u64 {
        let oldest = window.oldest(now);
        while self.0.front().is_some_and(|(b, _)| *b < oldest) {
            self.0.pop_front();
        }
        self.0.iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, bucket: i64, n: u64) {
        match self.0.back_mut() {
            Some((b, count)) if *b == bucket => *count += n,
            _ => self.0.push_back((bucket, n)),
        }
    }
}

/// Counts in this process: for a server that is the only node on its
/// database.
#[derive(Default)]
pub struct MemoryCounter {
    counts: Mutex<HashMap<LimitKey, Buckets>>,
}

impl MemoryCounter {
    fn take_now(&self, key: &LimitKey, window: Window, now: Timestamp, want: u64) -> Taken {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = counts.entry(*key).or_default();
        let used = buckets.used(&window, now);
        let granted = window.grant(used, want);
        if granted > 0 {
            buckets.add(window.bucket(now), granted);
        }
        Taken {
            granted,
            used: used + granted,
        }
    }

    fn used_now(&self, key: &LimitKey, window: Window, now: Timestamp) -> u64 {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get_mut(key).map_or(0, |b| b.used(&window, now))
    }
}

#[async_trait]
impl RateCounter for MemoryCounter {
    async fn take(
        &self,
        key: &LimitKey,
        window: Window,
        now: Timestamp,
        want: u64,
    ) -> Result<Taken> {
        Ok(self.take_now(key, window, now, want))
    }

    async fn used(&self, key: &LimitKey, window: Window, now: Timestamp) -> Result<u64> {
        Ok(self.used_now(key, window, now))
    }

    fn shared(&self) -> bool {
        false
    }

    fn in_memory(&self) -> Option<&MemoryCounter> {
        Some(self)
    }
}

/// Headers' figures for one allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remaining {
    pub max: u64,
    pub remaining: u64,
}

/// The outcome of counting one call.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Admission {
    /// The burst allowance (absent for search and when limits are off).
    pub ten_secondly: Option<Remaining>,
    /// The daily allowance (absent for OAuth tokens and when off).
    pub daily: Option<Remaining>,
    /// The policy that refused the call, if one did.
    pub refused: Option<LimitPolicy>,
}

/// The class of an endpoint, for limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateClass {
    /// Counted against the burst and the daily allowance.
    Standard,
    /// CRM search: its own per-second allowance and the daily one, no
    /// headers.
    Search,
    /// Not counted, no headers: the usage report, which must answer when
    /// the day's calls are spent.
    Uncounted,
}

/// A lease of calls a node took from a shared counter.
#[derive(Clone, Copy, Debug)]
struct Lease {
    bucket: i64,
    max: u64,
    left: u64,
    /// The window's count when the lease was granted, the lease included.
    used: u64,
    /// The counter granted nothing in this bucket: nothing frees up before
    /// the bucket ends (other nodes only take), so calls are refused here
    /// without asking again.
    spent: bool,
}

impl Lease {
    fn current(&self, bucket: i64, max: u64) -> bool {
        self.bucket == bucket && self.max == max
    }
}

/// A node's state of one allowance: its lease, and a lock that lets one
/// task at a time ask the shared counter for the next lease (the others
/// wait for it rather than all asking at once).
#[derive(Default)]
struct Held {
    lease: Mutex<Option<Lease>>,
    refill: tokio::sync::Mutex<()>,
}

/// Largest lease a node takes at once.
const MAX_LEASE: u64 = 1000;
/// A lease is at most this fraction of what remains of an allowance.
const LEASE_FRACTION: u64 = 16;

/// Takes calls from a counter for each caller, as HubSpot's policies say.
pub struct Limiter {
    counter: Arc<dyn RateCounter>,
    held: Mutex<HashMap<LimitKey, Arc<Held>>>,
}

impl Limiter {
    pub fn new(counter: Arc<dyn RateCounter>) -> Limiter {
        Limiter {
            counter,
            held: Mutex::new(HashMap::new()),
        }
    }

    fn held(&self, key: LimitKey) -> Arc<Held> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(held.entry(key).or_default())
    }

    /// Counts one call, with `credential`, to an endpoint of `class` of
    /// `portal`, at `now`, under `limits`.
    pub async fn admit(
        &self,
        portal: PortalId,
        credential: Credential,
        class: RateClass,
        limits: &InForce,
        now: Timestamp,
    ) -> Result<Admission> {
        let mut admission = Admission::default();
        if class == RateClass::Uncounted {
            return Ok(admission);
        }
        let daily = match credential {
            Credential::OAuth { .. } => None,
            Credential::PrivateApp { .. } | Credential::ApiKey => limits.daily,
        };
        if let Some(max) = daily {
            let window = Window::daily(max);
            let (granted, remaining) = self.take(LimitKey::daily(portal), window, now).await?;
            admission.daily = Some(Remaining { max, remaining });
            if !granted {
                admission.refused = Some(LimitPolicy::Daily);
                return Ok(admission);
            }
        }
        match class {
            RateClass::Search => {
                if let Some(max) = limits.search_per_second {
                    let key = LimitKey {
                        portal,
                        allowance: Allowance::Search,
                    };
                    let (granted, _) = self.take(key, Window::secondly(max), now).await?;
                    if !granted {
                        admission.refused = Some(LimitPolicy::Secondly);
                    }
                }
                // Search responses carry no rate-limit headers.
                admission.daily = None;
            }
            RateClass::Uncounted => {}
            RateClass::Standard => {
                let (max, allowance) = match credential {
                    Credential::OAuth { app, .. } => {
                        (limits.oauth_ten_secondly, Allowance::OAuth(app))
                    }
                    Credential::PrivateApp { app } => (limits.ten_secondly, Allowance::App(app)),
                    Credential::ApiKey => (limits.ten_secondly, Allowance::ApiKey),
                };
                if let Some(max) = max {
                    let key = LimitKey { portal, allowance };
                    let (granted, remaining) =
                        self.take(key, Window::ten_secondly(max), now).await?;
                    admission.ten_secondly = Some(Remaining { max, remaining });
                    if !granted {
                        admission.refused = Some(LimitPolicy::TenSecondly { group: key.group() });
                    }
                }
            }
        }
        Ok(admission)
    }

    /// Calls counted today against the portal's daily allowance.
    pub async fn used_today(&self, portal: PortalId, max: u64, now: Timestamp) -> Result<u64> {
        let key = LimitKey::daily(portal);
        let window = Window::daily(max);
        let used = match self.counter.in_memory() {
            Some(memory) => memory.used_now(&key, window, now),
            None => self.counter.used(&key, window, now).await?,
        };
        // Calls leased to this node but not made yet are not usage.
        let unused = self.lease_left(&key, &window, now);
        Ok(used.saturating_sub(unused))
    }

    fn lease_left(&self, key: &LimitKey, window: &Window, now: Timestamp) -> u64 {
        let held = self.held(*key);
        let lease = held.lease.lock().unwrap_or_else(PoisonError::into_inner);
        lease
            .as_ref()
            .filter(|l| l.current(window.bucket(now), window.max))
            .map_or(0, |l| l.left)
    }

    /// Takes one call: whether it was granted, and what remains.
    async fn take(&self, key: LimitKey, window: Window, now: Timestamp) -> Result<(bool, u64)> {
        if let Some(memory) = self.counter.in_memory() {
            let taken = memory.take_now(&key, window, now, 1);
            return Ok((taken.granted == 1, window.max.saturating_sub(taken.used)));
        }
        if !self.counter.shared() {
            let taken = self.counter.take(&key, window, now, 1).await?;
            return Ok((taken.granted == 1, window.max.saturating_sub(taken.used)));
        }
        let bucket = window.bucket(now);
        let held = self.held(key);
        if let Some(answer) = from_lease(&held, bucket, window.max) {
            return Ok(answer);
        }
        let _refilling = held.refill.lock().await;
        // Another task may have refilled while this one waited.
        if let Some(answer) = from_lease(&held, bucket, window.max) {
            return Ok(answer);
        }
        // A share of what remained when last asked (in this bucket or an
        // earlier one, under the same limit); one call the first time.
        let want = held
            .lease
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|l| l.max == window.max)
            .map_or(1, |l| lease_size(window.max.saturating_sub(l.used)));
        let taken = self.counter.take(&key, window, now, want).await?;
        let granted = taken.granted > 0;
        *held.lease.lock().unwrap_or_else(PoisonError::into_inner) = Some(Lease {
            bucket,
            max: window.max,
            left: taken.granted.saturating_sub(1),
            used: taken.used,
            spent: !granted,
        });
        let remaining = window
            .max
            .saturating_sub(taken.used - taken.granted.saturating_sub(1));
        Ok((granted, if granted { remaining } else { 0 }))
    }
}

/// The answer the current lease gives without asking the counter: a call
/// from it, or a refusal when the counter has nothing left this bucket.
fn from_lease(held: &Held, bucket: i64, max: u64) -> Option<(bool, u64)> {
    let mut lease = held.lease.lock().unwrap_or_else(PoisonError::into_inner);
    let lease = lease.as_mut().filter(|l| l.current(bucket, max))?;
    if lease.left > 0 {
        lease.left -= 1;
        return Some((true, max.saturating_sub(lease.used - lease.left)));
    }
    lease.spent.then_some((false, 0))
}

/// How many calls to lease when `remaining` are left in an allowance: a
/// small share of it, so that other nodes find calls too, and one when it
/// is nearly spent, so that the cluster stops at the limit exactly.
fn lease_size(remaining: u64) -> u64 {
    (remaining / LEASE_FRACTION).clamp(1, MAX_LEASE)
}

#[cfg(test)]
mod tests;
