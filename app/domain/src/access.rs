//! Who may do what: the roles, what a route needs, and the account views the pages show. Pure rules
//! shared by the server (which enforces them) and the browser (which hides what a role cannot do).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A user's (or an API token's) role; each includes what the roles before it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads issues, events, traces and source snippets.
    Viewer,
    /// Also triages, assigns, comments and creates their own API tokens.
    Member,
    /// Also manages users, roles, repositories and every other setting.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Member, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role: expected viewer, member or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// What a route needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone, signed in or not: sign-in, first setup, static assets.
    Public,
    /// A signed-in user or a token with at least this role.
    Role(Role),
}

impl Access {
    /// Whether a caller with `role` (`None`: nobody signed in) may use the route.
    pub fn allows(self, role: Option<Role>) -> bool {
        match self {
            Self::Public => true,
            Self::Role(needed) => role.is_some_and(|role| role >= needed),
        }
    }
}

/// The signed-in user as pages see them. Never carries a password hash or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Who is calling, as the server's access layer found them: a session's user, or an API token's
/// owner acting with the token's role. Put in the request's extensions for handlers and pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: UserView,
    /// The role this request acts with: the user's, or the token's when it is lower.
    pub role: Role,
    /// The browser session's id; `None` for API tokens.
    pub session_id: Option<i64>,
}

/// One of a user's browser sessions, for the profile page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
    /// The session this page was loaded with.
    pub current: bool,
}

/// An API token as lists show it: its prefix, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// A user as the admin's users page and `GET /api/v1/users` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

/// An admin's change to a user (`PUT /api/v1/users/{id}`); a field left out stays as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// An invitation to create (`POST /api/v1/invites`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    pub email: String,
    pub role: Role,
}

/// A new invitation's link, shown once: only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteLink {
    pub id: i64,
    pub url: String,
    pub expires_at: i64,
}

/// A pending invitation, as lists show it (never its link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
    /// The inviting admin's email; `None` once that account is gone.
    pub invited_by: Option<String>,
}

/// An API token to create (`POST /api/v1/tokens`); no `expires_days`: it never expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub expires_days: Option<u32>,
}

/// A new API token, shown once: only its hash is stored. `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
    pub prefix: String,
    pub role: Role,
    pub expires_at: Option<i64>,
}

/// A change of one's own password: the current one is required. `Debug` leaves both out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

impl fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordChange { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_ones_below() {
        let cases = [
            (Access::Public, None, true),
            (Access::Role(Role::Viewer), None, false),
            (Access::Role(Role::Viewer), Some(Role::Viewer), true),
            (Access::Role(Role::Member), Some(Role::Viewer), false),
            (Access::Role(Role::Member), Some(Role::Admin), true),
            (Access::Role(Role::Admin), Some(Role::Member), false),
            (Access::Role(Role::Admin), Some(Role::Admin), true),
        ];
        for (access, role, allowed) in cases {
            assert_eq!(access.allows(role), allowed, "{access:?} for {role:?}");
        }
    }

    #[test]
    fn roles_parse_from_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("owner".parse::<Role>().is_err());
    }
}
