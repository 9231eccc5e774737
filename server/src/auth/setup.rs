//! The first admin. In this order: `stackprint admin create` (before the server starts);
//! `STACKPRINT_ADMIN_EMAIL` + `STACKPRINT_ADMIN_PASSWORD_FILE`, applied only while no user exists;
//! otherwise a one-time setup link (`/setup?token=…`) logged once at start, which every page points
//! to until an account exists. Nobody becomes admin by being the first visitor.
//!
//! The link's secret is stored (as a SHA-256) in the database, one per instance start, so behind one
//! URL any instance accepts the link any of them logged; creating the admin deletes them all.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use domain::access::{Role, UserView};

use super::{Account, AuthError, create_user, secret};
use crate::audit::Actor;
use crate::storage::{FirstAdmin, Store};

/// Whether this process may still see a database without accounts: while it does, pages without a
/// caller check for accounts and point to the setup page. Once accounts exist it never reopens
/// (accounts are disabled, never deleted), which spares every later request the check.
#[derive(Clone, Default)]
pub struct SetupLink(Arc<AtomicBool>);

const NOT_VALID: &str = "this setup link is not valid (anymore); see the server log";

impl SetupLink {
    /// A link that is already closed (accounts exist).
    pub fn closed() -> Self {
        Self::default()
    }

    fn open() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }

    pub fn is_open(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn close(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    /// Creates the first admin through a link, once: refused when no instance logged `token` or any
    /// account exists (made meanwhile by the CLI or through another instance).
    pub async fn create_admin(
        &self,
        store: &Store,
        token: &str,
        email: &str,
        display_name: &str,
        password: String,
        actor: &Actor,
    ) -> Result<UserView, AuthError> {
        let digest = secret::digest(token);
        // A wrong link costs no password hash.
        if !store.has_setup_secret(&digest).await? {
            return Err(AuthError::Invalid(NOT_VALID.to_owned()));
        }
        let account = Account::new(email, display_name, password).await?;
        match store
            .create_first_admin(&digest, &account.new_user(Role::Admin))
            .await?
        {
            FirstAdmin::Created(admin) => {
                self.close();
                super::record_created(store, actor, &admin).await?;
                Ok(admin)
            }
            FirstAdmin::BadLink => Err(AuthError::Invalid(NOT_VALID.to_owned())),
            FirstAdmin::AccountsExist => {
                self.close();
                Err(AuthError::Invalid(
                    "an account exists already: sign in".to_owned(),
                ))
            }
        }
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
        // Links logged before the CLI made an account can make none now; they go.
        store.clear_setup_secrets().await.map_err(AuthError::from)?;
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
            let admin =
                create_user(store, email, "", password, Role::Admin, &Actor::system()).await?;
            tracing::info!(email = %admin.email, "created the first admin from STACKPRINT_ADMIN_EMAIL");
            Ok(SetupLink::closed())
        }
        (None, None) => {
            let token = secret::random_secret();
            store
                .add_setup_secret(&secret::digest(&token))
                .await
                .map_err(AuthError::from)?;
            // Logged once on purpose: the operator opens it to create the first admin. It works
            // only while no account exists.
            tracing::warn!(
                "no account exists yet: create the first admin at {}/setup?token={token} \
                 (or run `stackprint admin create`)",
                config.base_url.trim_end_matches('/')
            );
            Ok(SetupLink::open())
        }
        _ => Err(BootstrapError::Incomplete),
    }
}
