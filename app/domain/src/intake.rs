//! Why intake refused a request: the vocabulary shared by the server (which counts drops) and the UI
//! (which shows them), so nobody loses errors silently.

use serde::{Deserialize, Serialize};

/// Why one intake request was not stored. Counted per hour in the database and listed, zero included,
/// in `GET /api/v1/stats` under `dropped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Bodies in flight had used the server's memory budget (`--max-inflight-bytes`).
    OverloadMemory,
    /// The writer had `--intake-queue-depth` batches waiting: the database could not keep up.
    OverloadQueue,
    /// The body, or the body after `Content-Encoding`, was over its size limit.
    BodyTooLarge,
    /// More spans than `--max-spans-per-request`.
    TooManySpans,
    /// The body decoded to more than `--max-expansion` bytes per input byte.
    Expansion,
    /// Values nested deeper than `--max-nesting`.
    Nesting,
    /// Not a payload of the protocol (truncated, wrong types, bad ids, ...).
    Malformed,
    /// A `Content-Type` or `Content-Encoding` intake does not speak.
    Unsupported,
    /// The database refused or lost the batch (the server logs why).
    Storage,
    /// From an address outside `--intake-allow`.
    NotAllowed,
    /// Without an intake token where `--intake-require-token` asks for one.
    TokenMissing,
    /// With an intake token that is unknown or revoked.
    TokenInvalid,
}

impl DropReason {
    pub const ALL: [DropReason; 12] = [
        Self::OverloadMemory,
        Self::OverloadQueue,
        Self::BodyTooLarge,
        Self::TooManySpans,
        Self::Expansion,
        Self::Nesting,
        Self::Malformed,
        Self::Unsupported,
        Self::Storage,
        Self::NotAllowed,
        Self::TokenMissing,
        Self::TokenInvalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OverloadMemory => "overload_memory",
            Self::OverloadQueue => "overload_queue",
            Self::BodyTooLarge => "body_too_large",
            Self::TooManySpans => "too_many_spans",
            Self::Expansion => "expansion",
            Self::Nesting => "nesting",
            Self::Malformed => "malformed",
            Self::Unsupported => "unsupported",
            Self::Storage => "storage",
            Self::NotAllowed => "not_allowed",
            Self::TokenMissing => "token_missing",
            Self::TokenInvalid => "token_invalid",
        }
    }

    /// What the UI says about requests dropped for this reason.
    pub fn label(self) -> &'static str {
        match self {
            Self::OverloadMemory => "server memory budget full",
            Self::OverloadQueue => "database could not keep up",
            Self::BodyTooLarge => "body too large",
            Self::TooManySpans => "too many spans",
            Self::Expansion => "body expands too much",
            Self::Nesting => "nested too deep",
            Self::Malformed => "malformed",
            Self::Unsupported => "unsupported encoding",
            Self::Storage => "database error",
            Self::NotAllowed => "sender not allowed",
            Self::TokenMissing => "intake token missing",
            Self::TokenInvalid => "intake token not valid",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }
}

/// An intake token (`spi_…`) as lists show it: its first characters, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeTokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    /// The admin who made it; `None` for the CLI's or once that account is gone.
    pub created_by: Option<String>,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// An intake token to create (`POST /api/v1/intake-tokens`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeTokenRequest {
    pub name: String,
}

/// A new intake token, shown once: only its hash is stored. `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedIntakeToken {
    pub id: i64,
    pub token: String,
    pub prefix: String,
}

impl std::fmt::Debug for CreatedIntakeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedIntakeToken")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for reason in DropReason::ALL {
            assert_eq!(DropReason::parse(reason.as_str()), Some(reason));
            let json = serde_json::to_string(&reason).expect("serializes");
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
        assert_eq!(DropReason::parse("nope"), None);
    }
}
