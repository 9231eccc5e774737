//! Accounts and access: who a request comes from (a session cookie or an API token), what each route
//! needs ([`rules`]), and the one layer that checks it ([`layer`]) on the explorer port. The intake
//! ports do not pass through here.

pub mod accounts;
pub mod commands;
pub mod cookie;
pub mod intake_tokens;
pub mod layer;
pub mod oidc;
pub mod password;
pub mod proxy;
pub mod rules;
pub mod secret;
pub mod setup;
pub mod throttle;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use domain::access::{Caller, Role, UserView};
use domain::audit::{AuditAction, AuditActor};

use crate::audit::{Actor, Origin, TokenName, detail};
use crate::storage::{NewSession, NewUser, Saved, Store, StoreError, unix_ms_now};

pub use self::oidc::Oidc;
pub use self::password::PasswordError;
pub use self::proxy::ProxyAuth;
pub use self::rules::Rules;
pub use self::setup::SetupLink;
pub use self::tokens::create_token;

/// A session unused this long ends (the cookie stays valid only while it is used).
pub const SESSION_IDLE: Duration = Duration::from_secs(7 * 24 * 3600);
/// A session ends this long after sign-in however much it is used.
pub const SESSION_ABSOLUTE: Duration = Duration::from_secs(30 * 24 * 3600);
/// A session's `last_seen_at` and a token's `last_used_at` are written at most this often, so
/// reads do not all become writes.
const TOUCH_EVERY_MS: i64 = 60_000;

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("an account with this email exists")]
    Duplicate,
    #[error("no account has this email")]
    UnknownUser,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the last enabled admin cannot be demoted or disabled: make another admin first")]
    LastAdmin,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many failed attempts: try again in a few minutes")]
    Throttled,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// Whether the caller, not the server, is at fault (its text can be shown as it is).
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::Store(_) | Self::Password(PasswordError::Hash(_) | PasswordError::Join(_))
        )
    }
}

/// How the server was reached from outside, for cookies and the CSRF check.
#[derive(Debug, Clone, Default)]
pub struct PublicUrl {
    /// `scheme://host[:port]` of `STACKPRINT_PUBLIC_URL`; `None`: judged from each request's `Host`.
    pub origin: Option<String>,
}

impl PublicUrl {
    /// `None` when `url` is not an absolute http(s) URL.
    pub fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let host = rest
            .split(['/', '?', '#'])
            .next()
            .filter(|h| !h.is_empty())?;
        Some(Self {
            origin: Some(format!("{scheme}://{}", host.to_ascii_lowercase())),
        })
    }

    /// Cookies are `Secure` when the public URL is https.
    pub fn secure(&self) -> bool {
        self.origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }
}

/// Accounts, sessions and tokens over the store. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    store: Store,
    inner: Arc<Inner>,
}

struct Inner {
    public: PublicUrl,
    setup: SetupLink,
    ways: SignInWays,
}

/// The ways to sign in besides a password, each when configured.
#[derive(Clone, Default)]
pub struct SignInWays {
    /// `--auth-proxy-header`.
    pub proxy: Option<ProxyAuth>,
    /// `--oidc-issuer`.
    pub oidc: Option<Oidc>,
}

/// A new session: the cookie's secret (given to the browser once) and its id.
pub struct NewSessionSecret {
    pub secret: String,
    pub id: i64,
}

impl Auth {
    pub fn new(store: Store, public: PublicUrl, setup: SetupLink) -> Self {
        Self {
            store,
            inner: Arc::new(Inner {
                public,
                setup,
                ways: SignInWays::default(),
            }),
        }
    }

    /// The same, with these ways to sign in besides a password.
    pub fn with_ways(self, ways: SignInWays) -> Self {
        Self {
            inner: Arc::new(Inner {
                public: self.inner.public.clone(),
                setup: self.inner.setup.clone(),
                ways,
            }),
            store: self.store,
        }
    }

    pub fn proxy(&self) -> Option<&ProxyAuth> {
        self.inner.ways.proxy.as_ref()
    }

    pub fn oidc(&self) -> Option<&Oidc> {
        self.inner.ways.oidc.as_ref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn public(&self) -> &PublicUrl {
        &self.inner.public
    }

    pub fn setup(&self) -> &SetupLink {
        &self.inner.setup
    }

    /// Where links to this server (invitations) point: the public URL, else the `Host` the request
    /// came to over plain http.
    pub fn base_url(&self, host: Option<&str>) -> String {
        match (&self.inner.public.origin, host) {
            (Some(origin), _) => origin.clone(),
            (None, Some(host)) => format!("http://{host}"),
            (None, None) => String::new(),
        }
    }

    /// The user whose email and password match; `None` for any mismatch, unknown email or disabled
    /// account alike (the caller answers one generic message).
    pub async fn check_password(
        &self,
        email: &str,
        password: String,
    ) -> Result<Option<UserView>, StoreError> {
        let found = self.store.user_credentials(email.trim()).await?;
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        let matches = password::verify(password, hash).await;
        Ok(user
            .filter(|user| matches && !user.disabled)
            .map(|user| user.user))
    }

    /// A password sign-in, throttled per account and address ([`throttle`]); a refusal is audited
    /// with the email tried (never the password). A locked account or address gets the same `None`
    /// as a wrong password, without a check.
    pub async fn password_sign_in(
        &self,
        email: &str,
        password: String,
        origin: &Origin,
    ) -> Result<Option<UserView>, StoreError> {
        let attempt = throttle::Attempt::new(email, throttle::ClientIp(origin.ip));
        let locked = attempt.locked(&self.store).await?;
        let user = if locked {
            tracing::info!("sign-in refused: too many failures");
            None
        } else {
            self.check_password(email, password).await?
        };
        match &user {
            Some(_) => attempt.succeeded(&self.store).await?,
            None => {
                if !locked {
                    attempt.failed(&self.store).await?;
                }
                let reason = if locked {
                    "throttled"
                } else {
                    "wrong email or password"
                };
                Actor::new(AuditActor::Anonymous, origin.clone())
                    .record(
                        &self.store,
                        AuditAction::SignInFailed,
                        detail([
                            ("email", truncate(email.trim(), 254).to_owned()),
                            ("reason", reason.to_owned()),
                        ]),
                    )
                    .await?;
            }
        }
        Ok(user)
    }

    /// Starts a session for `user`: always a new secret, so a session id planted before sign-in is
    /// never the one signed in. Every way of signing in ends here, so each is audited here.
    pub async fn start_session(
        &self,
        user: &UserView,
        origin: &Origin,
    ) -> Result<NewSessionSecret, StoreError> {
        let now = unix_ms_now();
        self.store
            .prune_sessions(now, now - ms(SESSION_IDLE))
            .await?;
        let secret = secret::random_secret();
        let id = self
            .store
            .create_session(&NewSession {
                secret_hash: &secret::digest(&secret),
                user_id: user.id,
                now,
                expires_at: now + ms(SESSION_ABSOLUTE),
                user_agent: origin.user_agent.as_deref(),
            })
            .await?;
        Actor::user(user, origin.clone())
            .record(
                &self.store,
                AuditAction::SignIn,
                detail([("session", id.to_string())]),
            )
            .await?;
        Ok(NewSessionSecret { secret, id })
    }

    /// The caller of a session cookie; `None` when it is unknown, expired, idle too long or its user
    /// is disabled.
    pub async fn session_caller(&self, secret: &str) -> Result<Option<Caller>, StoreError> {
        let Some(session) = self.store.session(&secret::digest(secret)).await? else {
            return Ok(None);
        };
        let now = unix_ms_now();
        let live = session.expires_at > now && session.last_seen_at > now - ms(SESSION_IDLE);
        if !live || session.user.disabled {
            return Ok(None);
        }
        if now - session.last_seen_at >= TOUCH_EVERY_MS {
            self.store.touch_session(session.id, now).await?;
        }
        Ok(Some(Caller {
            role: session.user.user.role,
            user: session.user.user,
            session_id: Some(session.id),
        }))
    }

    /// The caller a trusted proxy's header names; `None` without such an enabled account (or
    /// without `--auth-proxy-header`).
    pub async fn proxy_caller(&self, email: &str) -> Result<Option<Caller>, StoreError> {
        match self.proxy() {
            Some(proxy) => proxy.caller(&self.store, email).await,
            None => Ok(None),
        }
    }

    /// Signs out the session of `secret` (audited as its user's; an unknown one is no sign-out).
    pub async fn end_session(&self, secret: &str, origin: &Origin) -> Result<(), StoreError> {
        let digest = secret::digest(secret);
        let Some(session) = self.store.session(&digest).await? else {
            return Ok(());
        };
        self.store.end_session(&digest).await?;
        Actor::user(&session.user.user, origin.clone())
            .record(
                &self.store,
                AuditAction::SignOut,
                detail([("session", session.id.to_string())]),
            )
            .await
    }

    /// The caller of an API token, with the token's name; `None` when it is unknown, revoked,
    /// expired or its owner disabled.
    pub async fn token_caller(
        &self,
        token: &str,
    ) -> Result<Option<(Caller, TokenName)>, StoreError> {
        if !token.starts_with(secret::TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some(row) = self.store.token(&secret::digest(token)).await? else {
            return Ok(None);
        };
        let now = unix_ms_now();
        if row.revoked || row.owner.disabled || row.expires_at.is_some_and(|at| at <= now) {
            return Ok(None);
        }
        if row.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY_MS) {
            self.store.touch_token(row.id, now).await?;
        }
        let caller = Caller {
            // A token never acts above its owner, even after the owner was demoted.
            role: row.role.min(row.owner.user.role),
            user: row.owner.user,
            session_id: None,
        };
        Ok(Some((caller, TokenName(row.name))))
    }
}

/// A checked email and display name with the password's hash, ready to store.
pub struct Account {
    email: String,
    display_name: String,
    password_hash: String,
}

impl Account {
    /// Checks the email, defaults the name to the email's local part and hashes the password after
    /// the password policy.
    pub async fn new(email: &str, display_name: &str, password: String) -> Result<Self, AuthError> {
        let email = checked_email(email)?;
        let display_name = match display_name.trim() {
            "" => email.split('@').next().unwrap_or(&email),
            name => name,
        };
        let display_name = truncate(display_name, MAX_NAME_CHARS).to_owned();
        let password_hash = password::hash(password).await?;
        Ok(Self {
            email,
            display_name,
            password_hash,
        })
    }

    pub fn new_user(&self, role: Role) -> NewUser<'_> {
        NewUser {
            email: &self.email,
            display_name: &self.display_name,
            password_hash: Some(&self.password_hash),
            role,
        }
    }
}

/// Display names longer than this are cut.
const MAX_NAME_CHARS: usize = 200;

/// Creates a user with a password, after the password policy, audited as `actor`'s. Used by the
/// CLI and the environment bootstrap.
pub async fn create_user(
    store: &Store,
    email: &str,
    display_name: &str,
    password: String,
    role: Role,
    actor: &Actor,
) -> Result<UserView, AuthError> {
    let account = Account::new(email, display_name, password).await?;
    match store.create_user(&account.new_user(role)).await? {
        Saved::Saved(user) => {
            record_created(store, actor, &user).await?;
            Ok(user)
        }
        Saved::Duplicate | Saved::NotFound => Err(AuthError::Duplicate),
    }
}

/// Audits a new account.
pub(crate) async fn record_created(
    store: &Store,
    actor: &Actor,
    user: &UserView,
) -> Result<(), StoreError> {
    actor
        .record(
            store,
            AuditAction::UserCreated,
            detail([
                ("user", user.id.to_string()),
                ("email", user.email.clone()),
                ("role", user.role.to_string()),
            ]),
        )
        .await
}

/// `email` trimmed and lowercased (the sign-in key), or why it is refused.
fn checked_email(email: &str) -> Result<String, AuthError> {
    let email = email.trim();
    if valid_email(email) {
        Ok(email.to_lowercase())
    } else {
        Err(AuthError::Invalid(format!(
            "`{email}` is not an email address"
        )))
    }
}

/// Enough to refuse typos, not a validation of deliverability: one `@` with text on both sides.
fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    }
}

pub(crate) fn truncate(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// `text` as a URL query value.
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_give_origins() {
        let cases = [
            (
                "https://errors.example.com/",
                Some("https://errors.example.com"),
                true,
            ),
            ("http://10.0.0.5:3000", Some("http://10.0.0.5:3000"), false),
            ("HTTPS://X.example/path", None, false),
            ("ftp://x", None, false),
        ];
        for (url, origin, secure) in cases {
            let parsed = PublicUrl::parse(url);
            assert_eq!(
                parsed.as_ref().and_then(|p| p.origin.as_deref()),
                origin,
                "{url}"
            );
            assert_eq!(parsed.is_some_and(|p| p.secure()), secure, "{url}");
        }
    }

    #[test]
    fn emails_need_one_at_sign() {
        for (email, ok) in [
            ("ana@example.com", true),
            ("ana", false),
            ("@example.com", false),
            ("a@b@c", false),
            ("a b@c", false),
        ] {
            assert_eq!(valid_email(email), ok, "{email}");
        }
    }
}
