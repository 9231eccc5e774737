//! The first admin. In this order: `stackprint admin create` (before the server starts);
//! `STACKPRINT_ADMIN_EMAIL` + `STACKPRINT_ADMIN_PASSWORD_FILE`, applied only while no user exists;
//! otherwise a one-time setup link (`/setup?token=…`) logged once at start, which every page points
//! to until an account exists. Nobody becomes admin by being the first visitor.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use domain::access::{Role, UserView};

use super::{AuthError, create_user, secret};
use crate::storage::Store;

/// The pending setup link's secret (its digest), shared by the requests of one process.
#[derive(Clone, Default)]
pub struct SetupLink(Arc<Mutex<Option<Vec<u8>>>>);

impl SetupLink {
    /// A link that is already closed (accounts exist).
    pub fn closed() -> Self {
        Self::default()
    }

    fn open(secret: &str) -> Self {
        Self(Arc::new(Mutex::new(Some(secret::digest(secret)))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Vec<u8>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    pub fn close(&self) {
        *self.lock() = None;
    }

    /// Whether `token` is the pending link's.
    pub fn matches(&self, token: &str) -> bool {
        self.lock()
            .as_deref()
            .is_some_and(|digest| digest == secret::digest(token).as_slice())
    }

    /// Creates the first admin through the link, once: refused when the token is wrong or any
    /// account exists (made meanwhile by the CLI or another instance).
    pub async fn create_admin(
        &self,
        store: &Store,
        token: &str,
        email: &str,
        display_name: &str,
        password: String,
    ) -> Result<UserView, AuthError> {
        if !self.matches(token) {
            return Err(AuthError::Invalid(
                "this setup link is not valid (anymore); see the server log".to_owned(),
            ));
        }
        if store.user_count().await? > 0 {
            self.close();
            return Err(AuthError::Invalid(
                "an account exists already: sign in".to_owned(),
            ));
        }
        let admin = create_user(store, email, display_name, password, Role::Admin).await?;
        self.close();
        Ok(admin)
    }
}

/// Where the first admin comes from when the server starts.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap<'a> {
    pub admin_email: Option<&'a str>,
    pub admin_password_file: Option<&'a Path>,
    /// The base of the logged setup link (the public URL, or the listen address).
    pub base_url: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("STACKPRINT_ADMIN_EMAIL and STACKPRINT_ADMIN_PASSWORD_FILE go together")]
    Incomplete,
    #[error("reading the admin password file {path} failed")]
    PasswordFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("creating the first admin failed: {0}")]
    Create(#[from] AuthError),
}

/// Applies the environment's first admin while no user exists, else opens a setup link and logs it
/// once. Returns the link (closed when accounts exist).
pub async fn bootstrap(store: &Store, config: &Bootstrap<'_>) -> Result<SetupLink, BootstrapError> {
    if store.user_count().await.map_err(AuthError::from)? > 0 {
        return Ok(SetupLink::closed());
    }
    match (config.admin_email, config.admin_password_file) {
        (Some(email), Some(path)) => {
            let password =
                std::fs::read_to_string(path).map_err(|source| BootstrapError::PasswordFile {
                    path: path.display().to_string(),
                    source,
                })?;
            // A trailing newline from `echo` is not part of the password.
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let admin = create_user(store, email, "", password, Role::Admin).await?;
            tracing::info!(email = %admin.email, "created the first admin from STACKPRINT_ADMIN_EMAIL");
            Ok(SetupLink::closed())
        }
        (None, None) => {
            let token = secret::random_secret();
            // Logged once on purpose: the operator opens it to create the first admin. It works
            // only while no account exists, and only in this process.
            tracing::warn!(
                "no account exists yet: create the first admin at {}/setup?token={token} \
                 (or run `stackprint admin create`)",
                config.base_url.trim_end_matches('/')
            );
            Ok(SetupLink::open(&token))
        }
        _ => Err(BootstrapError::Incomplete),
    }
}
