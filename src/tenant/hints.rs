//! The server's rate-limit hints, read from response headers.
//!
//! Auth0 sends `x-ratelimit-limit` (bucket size), `x-ratelimit-remaining` and `x-ratelimit-reset`
//! (Unix time in **seconds** when tokens are next added) on every Management API response; a
//! `retry-after` is not documented for it but is honoured when present. Parsing only: deciding
//! what to do with the hints belongs to the rate limiter and the retry policy.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Longest wait a server hint may impose. A reset far in the future is more likely clock skew
/// or a broken header than a real instruction; the retry budget still bounds total waiting.
pub const MAX_HINT_WAIT: Duration = Duration::from_secs(30);

/// Rate-limit information from one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    /// Unix seconds.
    pub reset: Option<u64>,
    pub retry_after: Option<Duration>,
}

impl Hints {
    /// Reads the hints; a malformed header counts as absent.
    pub fn from_headers(headers: &HeaderMap) -> Hints {
        let number =
            |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        Hints {
            limit: number("x-ratelimit-limit").and_then(|n| u32::try_from(n).ok()),
            remaining: number("x-ratelimit-remaining").and_then(|n| u32::try_from(n).ok()),
            reset: number("x-ratelimit-reset"),
            // Only the delta-seconds form; an HTTP-date retry-after falls back to the reset header.
            retry_after: number("retry-after").map(Duration::from_secs),
        }
    }

    /// How long from `now` until the server says tokens are back: `retry-after` first, then
    /// `x-ratelimit-reset`; `None` when neither says anything usable. Capped at [`MAX_HINT_WAIT`].
    pub fn wait_from(&self, now: SystemTime) -> Option<Duration> {
        let wait = match (self.retry_after, self.reset) {
            (Some(after), _) => after,
            (None, Some(reset)) => {
                let now_secs = now.duration_since(UNIX_EPOCH).unwrap_or_default();
                Duration::from_secs(reset).saturating_sub(now_secs)
            }
            (None, None) => return None,
        };
        Some(wait.min(MAX_HINT_WAIT))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn parses_auth0_headers() {
        let h = Hints::from_headers(&headers(&[
            ("x-ratelimit-limit", "10"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1675452600"),
        ]));
        assert_eq!(
            h,
            Hints {
                limit: Some(10),
                remaining: Some(0),
                reset: Some(1_675_452_600),
                retry_after: None
            }
        );
    }

    #[test]
    fn malformed_or_missing_headers_are_absent() {
        let h = Hints::from_headers(&headers(&[
            ("x-ratelimit-remaining", "-1"),
            ("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]));
        assert_eq!(h, Hints::default());
    }

    #[test]
    fn wait_prefers_retry_after_then_reset_and_is_capped() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000_500);
        let reset = Hints {
            reset: Some(1002),
            ..Hints::default()
        };
        assert_eq!(reset.wait_from(now), Some(Duration::from_millis(1500)));
        let past = Hints {
            reset: Some(900),
            ..Hints::default()
        };
        assert_eq!(past.wait_from(now), Some(Duration::ZERO));
        let both = Hints {
            reset: Some(1002),
            retry_after: Some(Duration::from_secs(3)),
            ..Hints::default()
        };
        assert_eq!(both.wait_from(now), Some(Duration::from_secs(3)));
        let far = Hints {
            reset: Some(99_999),
            ..Hints::default()
        };
        assert_eq!(far.wait_from(now), Some(MAX_HINT_WAIT));
        assert_eq!(Hints::default().wait_from(now), None);
    }
}
