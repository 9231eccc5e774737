//! The audit log's vocabulary: what was done ([`AuditAction`]), by whom ([`AuditActor`]) and the page
//! of entries the settings page and `GET /api/v1/audit` show. Pure, shared with the browser.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares [`AuditAction`] from one line per action, so that adding an action is adding a line.
macro_rules! audit_actions {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// What an audit entry records. Stored and sent as its name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl AuditAction {
            pub const ALL: &[AuditAction] = &[$(AuditAction::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

audit_actions! {
    /// A session started (any sign-in way: password, setup link, invitation, and those added later).
    SignIn => "signin",
    /// A password sign-in was refused (wrong password, unknown email or throttled).
    SignInFailed => "signin_failed",
    SignOut => "signout",
    /// An account was made (the CLI, the setup link, an accepted invitation).
    UserCreated => "user_created",
    UserInvited => "user_invited",
    UserRoleChanged => "user_role_changed",
    UserDisabled => "user_disabled",
    UserEnabled => "user_enabled",
    TokenCreated => "token_created",
    TokenRevoked => "token_revoked",
    IntakeTokenCreated => "intake_token_created",
    IntakeTokenRevoked => "intake_token_revoked",
    PasswordChanged => "password_changed",
    RepositoryLinked => "repository_linked",
    RepositoryUpdated => "repository_updated",
    RepositoryUnlinked => "repository_unlinked",
    StackRulesSaved => "stack_rules_saved",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an audit action")]
pub struct UnknownAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// Who did it, as they were at the time (a later email change does not rewrite the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditActor {
    /// A signed-in user.
    User { id: i64, email: String },
    /// A user's API token, by its name.
    Token {
        user_id: i64,
        email: String,
        name: String,
    },
    /// `stackprint admin create` / `token create` on the server's machine.
    Cli,
    /// The server itself (the environment's first admin).
    System,
    /// Nobody signed in (a refused sign-in).
    Anonymous,
}

impl AuditActor {
    /// The user behind the action, if any.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::Token { user_id, .. } => Some(*user_id),
            Self::Cli | Self::System | Self::Anonymous => None,
        }
    }
}

impl fmt::Display for AuditActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User { email, .. } => f.write_str(email),
            Self::Token { email, name, .. } => write!(f, "{email} (token {name})"),
            Self::Cli => f.write_str("cli"),
            Self::System => f.write_str("system"),
            Self::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// One audit entry. `detail` holds a few names and ids, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix ms.
    pub at: i64,
    pub actor: AuditActor,
    pub action: AuditAction,
    pub detail: BTreeMap<String, String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Which entries to list: newest first, those older than `before` (an entry id), optionally one
/// user's or one action's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditQuery {
    pub before: Option<i64>,
    pub limit: Option<u32>,
    pub user: Option<i64>,
    pub action: Option<AuditAction>,
}

impl AuditQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    pub fn limit(&self) -> u32 {
        self.limit
            .unwrap_or(Self::DEFAULT_LIMIT)
            .clamp(1, Self::MAX_LIMIT)
    }
}

/// A page of entries; `next_before` continues with older ones (`None`: this was the last page).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_names() {
        for &action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
            let json = serde_json::to_string(&action).expect("serializes");
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert!("drop_tables".parse::<AuditAction>().is_err());
    }

    #[test]
    fn limits_are_clamped() {
        for (limit, expected) in [
            (None, 50),
            (Some(0), 1),
            (Some(10), 10),
            (Some(10_000), 200),
        ] {
            let query = AuditQuery {
                limit,
                ..AuditQuery::default()
            };
            assert_eq!(query.limit(), expected, "{limit:?}");
        }
    }
}
