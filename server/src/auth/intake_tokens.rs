//! Intake tokens (`spi_…`): what tracers present when `--intake-require-token` locks the intake ports.
//! Made by admins (the CLI, the JSON API, the intake settings page), shown once, stored as a SHA-256
//! like API tokens, and owned by nobody: revoking one ends it.
//!
//! Checking one must stay cheap at intake rates, so a verdict is kept in memory for
//! [`RECHECK_EVERY`] and then read from the database again. Every instance does the same, so a
//! revocation on one takes effect on all of them within that time, with no message between them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use domain::audit::AuditAction;
use domain::intake::{CreatedIntakeToken, IntakeTokenView};

use super::{AuthError, TOUCH_EVERY_MS, secret};
use crate::audit::{Actor, detail};
use crate::storage::{NewIntakeToken, Store, StoreError, unix_ms_now};

/// How long a token's verdict (live, or unknown/revoked) is trusted before the database is asked
/// again: the most a revocation waits on any instance.
pub const RECHECK_EVERY: Duration = Duration::from_secs(5);
/// Verdicts kept at most; past it the memory starts afresh (a flood of made-up tokens cannot grow it).
const MAX_REMEMBERED: usize = 10_000;

/// Which senders `--intake-require-token` asks for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequireToken {
    /// Nobody (the default): `--intake-allow` alone decides.
    #[default]
    Off,
    /// Every sender but a loopback one: a tracer on the same machine keeps working unconfigured,
    /// as with a Datadog Agent beside it.
    Remote,
    /// Every sender, loopback included (a proxy on the same machine forwards intake, say).
    All,
}

impl RequireToken {
    pub fn applies_to(self, peer: Option<IpAddr>) -> bool {
        match self {
            Self::Off => false,
            // Without a peer address nothing proves the sender is local.
            Self::Remote => !peer.is_some_and(|ip| ip.to_canonical().is_loopback()),
            Self::All => true,
        }
    }
}

impl FromStr for RequireToken {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "off" | "false" | "no" => Ok(Self::Off),
            "remote" | "true" | "yes" => Ok(Self::Remote),
            "all" => Ok(Self::All),
            _ => Err(format!(
                "`{text}` is not one of off, remote (everyone but loopback) or all"
            )),
        }
    }
}

/// Stores a new intake token (audited as `actor`'s); the token itself is returned once.
pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
    created_by: Option<i64>,
) -> Result<CreatedIntakeToken, AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AuthError::Invalid(
            "the token name must have 1 to 100 characters".to_owned(),
        ));
    }
    let (token, prefix) = secret::new_intake_token();
    let id = store
        .create_intake_token(&NewIntakeToken {
            name,
            prefix: &prefix,
            token_hash: &secret::digest(&token),
            created_by,
        })
        .await?;
    let what = detail([
        ("intake_token", id.to_string()),
        ("name", name.to_owned()),
        ("prefix", prefix.clone()),
    ]);
    actor
        .record(store, AuditAction::IntakeTokenCreated, what)
        .await?;
    Ok(CreatedIntakeToken { id, token, prefix })
}

pub async fn list(store: &Store) -> Result<Vec<IntakeTokenView>, AuthError> {
    Ok(store.intake_tokens().await?)
}

pub async fn revoke(store: &Store, actor: &Actor, id: i64) -> Result<(), AuthError> {
    if store.revoke_intake_token(id).await? {
        let what = detail([("intake_token", id.to_string())]);
        Ok(actor
            .record(store, AuditAction::IntakeTokenRevoked, what)
            .await?)
    } else {
        Err(AuthError::NotFound("intake token"))
    }
}

#[derive(Clone, Copy)]
struct Verdict {
    live: bool,
    at: Instant,
}

/// Checks intake tokens for the intake ports, remembering verdicts briefly. Cheap to clone.
#[derive(Clone)]
pub struct IntakeTokens {
    store: Store,
    require: RequireToken,
    recheck: Duration,
    verdicts: Arc<Mutex<HashMap<Vec<u8>, Verdict>>>,
}

impl IntakeTokens {
    pub fn new(store: Store, require: RequireToken) -> Self {
        Self {
            store,
            require,
            recheck: RECHECK_EVERY,
            verdicts: Arc::default(),
        }
    }

    /// The same, trusting a verdict for `recheck` instead of [`RECHECK_EVERY`].
    pub fn with_recheck(self, recheck: Duration) -> Self {
        Self { recheck, ..self }
    }

    /// Whether a request from `peer` must carry a token.
    pub fn required_for(&self, peer: Option<IpAddr>) -> bool {
        self.require.applies_to(peer)
    }

    /// Whether `token` is a live intake token.
    pub async fn verify(&self, token: &str) -> Result<bool, StoreError> {
        // Anything not shaped like one is refused without a look-up.
        let shaped = token.len() == secret::INTAKE_TOKEN_PREFIX.len() + secret::SECRET_CHARS
            && token.starts_with(secret::INTAKE_TOKEN_PREFIX);
        if !shaped {
            return Ok(false);
        }
        let hash = secret::digest(token);
        if let Some(verdict) = self.remembered(&hash) {
            return Ok(verdict);
        }
        let found = self.store.live_intake_token(&hash).await?;
        if let Some((id, last_used_at)) = found {
            let now = unix_ms_now();
            if last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY_MS) {
                self.store.touch_intake_token(id, now).await?;
            }
        }
        let live = found.is_some();
        self.remember(hash, live);
        Ok(live)
    }

    fn remembered(&self, hash: &[u8]) -> Option<bool> {
        let verdicts = self.verdicts.lock().unwrap_or_else(PoisonError::into_inner);
        verdicts
            .get(hash)
            .filter(|v| v.at.elapsed() < self.recheck)
            .map(|v| v.live)
    }

    fn remember(&self, hash: Vec<u8>, live: bool) {
        // The map holds plain values: whatever panicked while holding it left it consistent.
        let mut verdicts = self.verdicts.lock().unwrap_or_else(PoisonError::into_inner);
        if verdicts.len() >= MAX_REMEMBERED {
            verdicts.clear();
        }
        verdicts.insert(
            hash,
            Verdict {
                live,
                at: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_reads_as_people_write_it() {
        for (text, want) in [
            ("off", RequireToken::Off),
            ("false", RequireToken::Off),
            ("remote", RequireToken::Remote),
            ("TRUE", RequireToken::Remote),
            ("all", RequireToken::All),
        ] {
            assert_eq!(text.parse(), Ok(want), "{text}");
        }
        assert!("loopback".parse::<RequireToken>().is_err());
    }

    #[test]
    fn loopback_stays_open_only_in_remote_mode() {
        let ip = |t: &str| Some(t.parse::<IpAddr>().expect("ip"));
        let cases = [
            (RequireToken::Off, ip("203.0.113.9"), false),
            (RequireToken::Remote, ip("127.0.0.1"), false),
            (RequireToken::Remote, ip("::1"), false),
            (RequireToken::Remote, ip("::ffff:127.0.0.1"), false),
            (RequireToken::Remote, ip("10.0.0.4"), true),
            (RequireToken::Remote, None, true),
            (RequireToken::All, ip("127.0.0.1"), true),
        ];
        for (mode, peer, required) in cases {
            assert_eq!(mode.applies_to(peer), required, "{mode:?} {peer:?}");
        }
    }
}
