//! GitHub failures, classified from status codes and rate-limit headers.

use domain::source::SourceNote;
use http::{HeaderMap, StatusCode};

use crate::storage::StoreError;

/// Why a GitHub read failed. Carries no request data, so it is safe to log and show.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// 401, or credentials octocrab cannot use (an unreadable private key).
    #[error("GitHub refused the credentials")]
    BadCredentials,
    /// 403 without rate limiting.
    #[error("no access to the repository")]
    NoAccess,
    /// 403/429 with the rate limit spent; no call before `until` (Unix ms).
    #[error("GitHub rate limit exceeded until {until}")]
    RateLimited { until: i64 },
    /// 404 (or 422 for an unknown ref): the caller knows whether that means a missing file or a
    /// repository it cannot see.
    #[error("not found on GitHub")]
    NotFound,
    /// Connection failures, timeouts, 5xx, answers that do not parse.
    #[error("GitHub unavailable: {reason}")]
    Unavailable { reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SourceError {
    /// Classifies a non-success answer. `now` is Unix ms.
    pub fn from_status(status: StatusCode, headers: &HeaderMap, body: &str, now: i64) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let number = |name: &str| header(name).and_then(|v| v.parse::<i64>().ok());
        let spent = header("x-ratelimit-remaining") == Some("0");
        let retry_after = number("retry-after");
        match status.as_u16() {
            401 => Self::BadCredentials,
            403 | 429 => {
                if spent && let Some(reset) = number("x-ratelimit-reset") {
                    return Self::RateLimited {
                        until: reset.saturating_mul(1000).max(now),
                    };
                }
                if let Some(seconds) = retry_after {
                    return Self::RateLimited {
                        until: now.saturating_add(seconds.max(1).saturating_mul(1000)),
                    };
                }
                // Secondary rate limits may come without headers; GitHub says to wait a minute.
                if spent || status == StatusCode::TOO_MANY_REQUESTS || body.contains("rate limit") {
                    return Self::RateLimited {
                        until: now.saturating_add(60_000),
                    };
                }
                Self::NoAccess
            }
            404 | 422 => Self::NotFound,
            code => Self::Unavailable {
                reason: format!("GitHub answered {code}"),
            },
        }
    }

    /// The note shown on a frame, for failures that are not about one file.
    pub fn note(&self) -> SourceNote {
        match self {
            Self::BadCredentials => SourceNote::BadCredentials,
            Self::NoAccess | Self::NotFound => SourceNote::NoAccess,
            Self::RateLimited { until } => SourceNote::RateLimited { until: *until },
            Self::Unavailable { reason } => SourceNote::Unavailable {
                reason: reason.clone(),
            },
            Self::Store(_) => SourceNote::Unavailable {
                reason: "the source cache is unavailable".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_str(v).expect("header value"),
                )
            })
            .collect()
    }

    #[test]
    fn classifies_answers() {
        let now = 1_000_000;
        let cases: Vec<(u16, HeaderMap, &str, SourceNote)> = vec![
            (
                401,
                headers(&[]),
                "{\"message\":\"Bad credentials\"}",
                SourceNote::BadCredentials,
            ),
            (
                403,
                headers(&[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "2000"),
                ]),
                "{\"message\":\"API rate limit exceeded\"}",
                SourceNote::RateLimited { until: 2_000_000 },
            ),
            (
                429,
                headers(&[("retry-after", "30")]),
                "",
                SourceNote::RateLimited { until: 1_030_000 },
            ),
            (
                403,
                headers(&[]),
                "{\"message\":\"You have exceeded a secondary rate limit\"}",
                SourceNote::RateLimited { until: 1_060_000 },
            ),
            (
                403,
                headers(&[("x-ratelimit-remaining", "4999")]),
                "{\"message\":\"Resource not accessible by integration\"}",
                SourceNote::NoAccess,
            ),
            (404, headers(&[]), "", SourceNote::NoAccess),
            (
                502,
                headers(&[]),
                "",
                SourceNote::Unavailable {
                    reason: "GitHub answered 502".into(),
                },
            ),
        ];
        for (status, headers, body, want) in cases {
            let status = StatusCode::from_u16(status).expect("status");
            let got = SourceError::from_status(status, &headers, body, now).note();
            assert_eq!(got, want, "{status}");
        }
    }
}
