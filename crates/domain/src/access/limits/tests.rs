use super::*;
use crate::access::caller::{Caller, PortalTerms};
use crate::access::scopes::Scopes;
use crate::ids::AppId;
use std::sync::atomic::{AtomicUsize, Ordering};

fn at(ms: i64) -> Timestamp {
    Timestamp::from_stored(ms)
}

fn caller(credential: Credential) -> Caller {
    Caller {
        portal: PortalId(7),
        credential,
        scopes: Scopes::all(),
        terms: PortalTerms {
            tier: Tier::Free,
            limits: LimitSettings::default(),
        },
    }
}

fn custom(ten: u64, daily: u64, search: u64) -> InForce {
    LimitSettings::requested(LimitsMode::Custom, Some(ten), Some(daily), Some(search))
        .unwrap()
        .in_force(Tier::Free, LimitsMode::Off)
}

/// A counter shared by several limiters, as PostgreSQL is by several nodes.
#[derive(Default)]
struct SharedCounter {
    inner: MemoryCounter,
    calls: AtomicUsize,
}

#[async_trait]
impl RateCounter for SharedCounter {
    async fn take(
        &self,
        key: &LimitKey,
        window: Window,
        now: Timestamp,
        want: u64,
    ) -> Result<Taken> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.take(key, window, now, want).await
    }
    async fn used(&self, key: &LimitKey, window: Window, now: Timestamp) -> Result<u64> {
        self.inner.used(key, window, now).await
    }
    fn shared(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn the_burst_rolls_over_ten_seconds() {
    let limiter = Limiter::new(Arc::new(MemoryCounter::default()));
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    let limits = custom(3, 1000, 5);
    // Two calls at second 0, one at second 5: the window is full.
    for t in [0, 100, 5000] {
        let a = limiter
            .admit(
                me.portal,
                me.credential,
                RateClass::Standard,
                &limits,
                at(t),
            )
            .await
            .unwrap();
        assert_eq!(a.refused, None, "at {t}");
    }
    let refused = limiter
        .admit(
            me.portal,
            me.credential,
            RateClass::Standard,
            &limits,
            at(9_999),
        )
        .await
        .unwrap();
    assert!(
        matches!(refused.refused, Some(LimitPolicy::TenSecondly { ref group }) if group == "publicapi:private_app-api-calls-ten-secondly:1:7")
    );
    assert_eq!(
        refused.ten_secondly,
        Some(Remaining {
            max: 3,
            remaining: 0
        })
    );
    // At 10 s the two calls of second 0 leave the window; the one of second 5 stays.
    let a = limiter
        .admit(
            me.portal,
            me.credential,
            RateClass::Standard,
            &limits,
            at(10_000),
        )
        .await
        .unwrap();
    assert_eq!(a.refused, None);
    assert_eq!(
        a.ten_secondly,
        Some(Remaining {
            max: 3,
            remaining: 1
        })
    );
    // The daily allowance counted every call, the refused one included.
    assert_eq!(
        a.daily,
        Some(Remaining {
            max: 1000,
            remaining: 995
        })
    );
}

#[tokio::test]
async fn apps_have_their_own_burst_and_share_the_daily_limit() {
    let limiter = Limiter::new(Arc::new(MemoryCounter::default()));
    let limits = custom(1, 3, 5);
    let one = caller(Credential::PrivateApp { app: AppId(1) });
    let two = caller(Credential::PrivateApp { app: AppId(2) });
    let key = caller(Credential::ApiKey);
    for c in [&one, &two, &key] {
        let a = limiter
            .admit(c.portal, c.credential, RateClass::Standard, &limits, at(0))
            .await
            .unwrap();
        assert_eq!(a.refused, None);
    }
    let a = limiter
        .admit(
            one.portal,
            one.credential,
            RateClass::Standard,
            &limits,
            at(20_000),
        )
        .await
        .unwrap();
    assert_eq!(a.refused, Some(LimitPolicy::Daily));
    assert_eq!(
        a.daily,
        Some(Remaining {
            max: 3,
            remaining: 0
        })
    );
    // Tomorrow the daily allowance is back.
    let a = limiter
        .admit(
            one.portal,
            one.credential,
            RateClass::Standard,
            &limits,
            at(DAY_MS),
        )
        .await
        .unwrap();
    assert_eq!(a.refused, None);
}

#[tokio::test]
async fn oauth_apps_have_no_daily_limit_and_110_per_ten_seconds() {
    let limiter = Limiter::new(Arc::new(MemoryCounter::default()));
    let limits = LimitSettings::default().in_force(Tier::Enterprise, LimitsMode::Hubspot);
    let app = caller(Credential::OAuth {
        app: AppId(9),
        expires_at: at(1_000_000),
    });
    for i in 0..110 {
        let a = limiter
            .admit(
                app.portal,
                app.credential,
                RateClass::Standard,
                &limits,
                at(i),
            )
            .await
            .unwrap();
        assert_eq!(a.refused, None);
        assert_eq!(a.daily, None);
        assert_eq!(a.ten_secondly.unwrap().max, 110);
    }
    let a = limiter
        .admit(
            app.portal,
            app.credential,
            RateClass::Standard,
            &limits,
            at(200),
        )
        .await
        .unwrap();
    assert!(matches!(a.refused, Some(LimitPolicy::TenSecondly { .. })));
}

#[tokio::test]
async fn search_has_its_own_allowance_and_no_headers() {
    let limiter = Limiter::new(Arc::new(MemoryCounter::default()));
    let limits = custom(100, 1000, 2);
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    for t in [0, 10] {
        let a = limiter
            .admit(me.portal, me.credential, RateClass::Search, &limits, at(t))
            .await
            .unwrap();
        assert_eq!(a, Admission::default());
    }
    let a = limiter
        .admit(me.portal, me.credential, RateClass::Search, &limits, at(20))
        .await
        .unwrap();
    assert_eq!(a.refused, Some(LimitPolicy::Secondly));
    assert_eq!((a.daily, a.ten_secondly), (None, None));
    // Search did not use the burst; the next second searches again.
    let a = limiter
        .admit(
            me.portal,
            me.credential,
            RateClass::Standard,
            &limits,
            at(30),
        )
        .await
        .unwrap();
    assert_eq!(
        a.ten_secondly,
        Some(Remaining {
            max: 100,
            remaining: 99
        })
    );
    let a = limiter
        .admit(
            me.portal,
            me.credential,
            RateClass::Search,
            &limits,
            at(1000),
        )
        .await
        .unwrap();
    assert_eq!(a.refused, None);
}

#[tokio::test]
async fn nodes_sharing_a_counter_never_admit_more_than_the_limit() {
    let counter = Arc::new(SharedCounter::default());
    let nodes: Vec<Limiter> = (0..3).map(|_| Limiter::new(counter.clone())).collect();
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    for max in [1u64, 7, 100, 5000] {
        let limits = custom(max, 1_000_000_000, 5);
        let t = max as i64 * 100_000; // a fresh window for each limit
        let mut admitted = 0;
        for i in 0..(max * 2 + 10) {
            let node = &nodes[(i % 3) as usize];
            let a = node
                .admit(
                    me.portal,
                    me.credential,
                    RateClass::Standard,
                    &limits,
                    at(t),
                )
                .await
                .unwrap();
            if a.refused.is_none() {
                admitted += 1;
            }
        }
        assert!(admitted <= max, "limit {max}: admitted {admitted}");
        // Leases left unused at the end of a bucket are the only loss.
        assert!(
            admitted + 3 * (max / LEASE_FRACTION).max(1) >= max,
            "limit {max}: admitted {admitted}"
        );
    }
}

#[tokio::test]
async fn a_node_asks_a_shared_counter_rarely_when_the_limit_is_far() {
    let counter = Arc::new(SharedCounter::default());
    let limiter = Limiter::new(counter.clone());
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    let limits = custom(1_000_000, 1_000_000_000, 5);
    for i in 0..10_000 {
        let a = limiter
            .admit(
                me.portal,
                me.credential,
                RateClass::Standard,
                &limits,
                at(i / 20),
            )
            .await
            .unwrap();
        assert_eq!(a.refused, None);
    }
    // Two allowances (burst and daily), leases of up to a thousand calls.
    let calls = counter.calls.load(Ordering::Relaxed);
    assert!(calls < 100, "{calls} counter calls for 10,000 admissions");
    // Usage reported leaves out what is leased and not used.
    let used = limiter
        .used_today(PortalId(7), 1_000_000_000, at(600))
        .await
        .unwrap();
    assert_eq!(used, 10_000);
}

#[tokio::test]
async fn a_changed_limit_drops_the_leases_taken_under_the_old_one() {
    let counter = Arc::new(SharedCounter::default());
    let limiter = Limiter::new(counter.clone());
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    for i in 0..100 {
        let a = limiter
            .admit(
                me.portal,
                me.credential,
                RateClass::Standard,
                &custom(1000, 100_000, 5),
                at(i),
            )
            .await
            .unwrap();
        assert_eq!(a.refused, None);
    }
    // The daily limit is lowered below what was used: the next call is refused
    // although this node still holds leased calls.
    let a = limiter
        .admit(
            me.portal,
            me.credential,
            RateClass::Standard,
            &custom(1000, 50, 5),
            at(200),
        )
        .await
        .unwrap();
    assert_eq!(a.refused, Some(LimitPolicy::Daily));
}

#[test]
fn limits_in_force_follow_the_mode() {
    let off = LimitSettings::default().in_force(Tier::Professional, LimitsMode::Off);
    assert_eq!(
        (off.ten_secondly, off.daily, off.search_per_second),
        (None, None, None)
    );
    let hs = LimitSettings::default().in_force(Tier::Professional, LimitsMode::Hubspot);
    assert_eq!(
        (hs.ten_secondly, hs.daily, hs.search_per_second),
        (Some(190), Some(625_000), Some(5))
    );
    assert_eq!(hs.oauth_ten_secondly, Some(110));
    // A portal's own mode wins over the server's default.
    let own = LimitSettings {
        mode: Some(LimitsMode::Off),
        ..LimitSettings::default()
    };
    assert_eq!(
        own.in_force(Tier::Free, LimitsMode::Hubspot).mode,
        LimitsMode::Off
    );
    // Custom limits fill what is not given from the tier.
    let c = LimitSettings::requested(LimitsMode::Custom, Some(5), None, None)
        .unwrap()
        .in_force(Tier::Enterprise, LimitsMode::Off);
    assert_eq!(
        (
            c.ten_secondly,
            c.oauth_ten_secondly,
            c.daily,
            c.search_per_second
        ),
        (Some(5), Some(5), Some(1_000_000), Some(5))
    );
    assert!(LimitSettings::requested(LimitsMode::Hubspot, Some(5), None, None).is_err());
    assert!(LimitSettings::requested(LimitsMode::Custom, Some(0), None, None).is_err());
    assert!(LimitSettings::requested(LimitsMode::Custom, None, Some(MAX_LIMIT + 1), None).is_err());
}

#[test]
fn windows_bucket_time() {
    let w = Window::ten_secondly(100);
    assert_eq!(w.bucket(at(12_345)), 12);
    assert_eq!(w.oldest(at(12_345)), 3);
    let d = Window::daily(10);
    assert_eq!(d.bucket_end(at(5)).millis(), DAY_MS);
    assert_eq!(d.grant(8, 5), 2);
    assert_eq!(d.grant(12, 5), 0);
}

#[tokio::test]
async fn a_spent_allowance_is_refused_without_asking_the_counter_again() {
    let counter = Arc::new(SharedCounter::default());
    let limiter = Limiter::new(counter.clone());
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    let limits = custom(2, 1_000_000, 5);
    let mut refused = 0;
    for i in 0..50 {
        let a = limiter
            .admit(
                me.portal,
                me.credential,
                RateClass::Standard,
                &limits,
                at(i),
            )
            .await
            .unwrap();
        refused += usize::from(a.refused.is_some());
    }
    assert_eq!(refused, 48);
    let asked = counter.calls.load(Ordering::Relaxed);
    assert!(
        asked < 10,
        "{asked} counter calls for 50 admissions in one bucket"
    );
    // The next bucket asks again (the window may have room).
    let a = limiter
        .admit(
            me.portal,
            me.credential,
            RateClass::Standard,
            &limits,
            at(1_000),
        )
        .await
        .unwrap();
    assert!(a.refused.is_some(), "two calls are still in the window");
    assert!(counter.calls.load(Ordering::Relaxed) > asked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_wait_for_one_lease_rather_than_all_asking() {
    let counter = Arc::new(SharedCounter::default());
    let limiter = Arc::new(Limiter::new(counter.clone()));
    let me = caller(Credential::PrivateApp { app: AppId(1) });
    let limits = custom(1_000_000_000, 1_000_000_000, 5);
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let limiter = Arc::clone(&limiter);
        let me = me.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..50 {
                let a = limiter
                    .admit(
                        me.portal,
                        me.credential,
                        RateClass::Standard,
                        &limits,
                        at(5),
                    )
                    .await
                    .unwrap();
                assert_eq!(a.refused, None);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    // 3,200 calls, two allowances, leases of up to a thousand.
    let asked = counter.calls.load(Ordering::Relaxed);
    assert!(asked <= 12, "{asked} counter calls for 3,200 admissions");
}
