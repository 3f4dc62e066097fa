//! When a failed delivery is tried again: up to 10 retries spread over
//! about 24 hours, each delay drawn between 80% and 100% of its step so
//! that deliveries failing together do not retry together. A 429's
//! `Retry-After` is honoured when it asks for longer.

use std::time::Duration;

/// Retries after the first attempt, as at HubSpot.
pub const MAX_RETRIES: u32 = 10;

/// A receiver has this long to answer 2xx (never scaled).
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The steps, in seconds: they add up to 23 h 53 min.
const STEPS: [u64; MAX_RETRIES as usize] = [
    60, 120, 300, 900, 1_800, 3_600, 7_200, 14_400, 21_600, 36_000,
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Multiplies every step (`--webhook-retry-scale`); 0.001 turns 24
    /// hours into about 86 seconds.
    pub scale: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { scale: 1.0 }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 to 10), or `None` when the
    /// delivery has had all its retries. `jitter` is in `[0, 1)`;
    /// `retry_after` is a 429's `Retry-After`.
    pub fn delay(self, retry: u32, jitter: f64, retry_after: Option<Duration>) -> Option<Duration> {
        let step = *STEPS.get(retry.checked_sub(1)? as usize)?;
        let factor = 0.8 + 0.2 * jitter.clamp(0.0, 1.0);
        let scaled = Duration::from_secs_f64(step as f64 * self.scale.max(0.0) * factor);
        Some(match retry_after {
            Some(asked) if asked > scaled => asked,
            _ => scaled,
        })
    }
}

/// A `Retry-After` header: seconds (HTTP dates are not honoured).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(86_400)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_retries_within_a_day() {
        let policy = RetryPolicy::default();
        let total: Duration = (1..=MAX_RETRIES)
            .map(|n| policy.delay(n, 0.999_999, None).unwrap())
            .sum();
        assert!(total <= Duration::from_secs(24 * 3600), "{total:?}");
        assert!(total >= Duration::from_secs(18 * 3600), "{total:?}");
        assert_eq!(policy.delay(11, 0.5, None), None);
        assert_eq!(policy.delay(0, 0.5, None), None);
    }

    #[test]
    fn delays_grow_and_scale() {
        let policy = RetryPolicy { scale: 0.001 };
        let first = policy.delay(1, 0.0, None).unwrap();
        assert_eq!(first, Duration::from_millis(48));
        let total: Duration = (1..=MAX_RETRIES)
            .map(|n| policy.delay(n, 1.0, None).unwrap())
            .sum();
        assert!(total < Duration::from_secs(90), "{total:?}");
        assert!(policy.delay(2, 0.0, None).unwrap() > first);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let policy = RetryPolicy { scale: 0.001 };
        let asked = Some(Duration::from_secs(2));
        assert_eq!(policy.delay(1, 0.5, asked), asked);
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, 0.5, asked).unwrap() > Duration::from_secs(2));
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
