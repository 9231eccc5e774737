//! Sign-in with OpenID Connect (authorization code + PKCE, the `openidconnect` crate), for Keycloak,
//! Okta, Google, Entra and the like. The provider's discovery document and keys are fetched at each
//! start and callback (sign-ins are rare, and rotated keys are then always known). A person is
//! signed in as the account with their email, which the provider must call verified; an email
//! without an account gets one (with the default role) only when its domain is allowed. The session
//! is started by [`super::Auth::start_session`], as for passwords.

mod flow;
mod http;

use std::sync::Arc;

use domain::access::{Role, UserView};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

pub use self::flow::{Flow, clear as clear_flow};
use self::http::IssuerHttp;
use super::checked_email;
use crate::storage::{NewUser, Saved, Store, StoreError};

/// What `--oidc-*` configures.
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Email domains whose people get an account at their first sign-in (lowercase).
    pub allowed_domains: Vec<String>,
    pub default_role: Role,
    /// The button's name: "Sign in with {label}".
    pub label: String,
    /// Take an `email` without `email_verified` as verified (Entra ID sends none); an explicit
    /// `false` is refused all the same.
    pub trust_email: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcConfigError {
    #[error("--oidc-issuer `{0}` is not a URL")]
    Issuer(String),
    #[error("--oidc-client-id is needed with --oidc-issuer")]
    ClientId,
}

/// Why a sign-in did not end signed in; [`OidcError::is_refusal`] tells the person's part from the
/// server's.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("Single sign-on is not set up here.")]
    NotConfigured,
    #[error("The sign-in provider could not be reached; try again.")]
    Issuer(String),
    #[error("The sign-in expired or was started in another browser; try again.")]
    Flow,
    #[error("The sign-in provider refused: {0}")]
    Provider(String),
    #[error("The sign-in provider's answer was not valid; try again.")]
    Answer(String),
    #[error("The sign-in provider did not confirm your email address.")]
    Unverified,
    #[error("No account has the email {0}: ask an admin for an invitation.")]
    NotInvited(String),
    #[error("This account is disabled.")]
    Disabled,
    #[error("Signing in failed; try again.")]
    Store(#[from] StoreError),
}

impl OidcError {
    /// Whether the person, not the server or the provider, is at fault.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::NotConfigured
                | Self::Flow
                | Self::Provider(_)
                | Self::Unverified
                | Self::NotInvited(_)
                | Self::Disabled
        )
    }
}

/// A started sign-in: where to send the browser, and the flow to keep in its cookie.
pub struct Started {
    pub url: String,
    pub flow: Flow,
}

/// The configured provider. Cheap to clone.
#[derive(Clone)]
pub struct Oidc(Arc<Inner>);

struct Inner {
    issuer: IssuerUrl,
    client_id: ClientId,
    // `ClientSecret`'s `Debug` prints nothing of it.
    client_secret: ClientSecret,
    allowed_domains: Vec<String>,
    default_role: Role,
    label: String,
    trust_email: bool,
    http: IssuerHttp,
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> Result<Self, OidcConfigError> {
        let issuer = IssuerUrl::new(settings.issuer.trim_end_matches('/').to_owned())
            .map_err(|_| OidcConfigError::Issuer(settings.issuer.clone()))?;
        if settings.client_id.trim().is_empty() {
            return Err(OidcConfigError::ClientId);
        }
        Ok(Self(Arc::new(Inner {
            issuer,
            client_id: ClientId::new(settings.client_id.trim().to_owned()),
            client_secret: ClientSecret::new(settings.client_secret),
            allowed_domains: settings
                .allowed_domains
                .iter()
                .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            default_role: settings.default_role,
            label: settings.label,
            trust_email: settings.trust_email,
            http: IssuerHttp::new(),
        })))
    }

    pub fn label(&self) -> &str {
        &self.0.label
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        CoreProviderMetadata::discover_async(self.0.issuer.clone(), &self.0.http)
            .await
            .map_err(|e| OidcError::Issuer(error_chain(&e)))
    }

    /// Starts a sign-in that comes back to `redirect` and then goes to `next`.
    pub async fn start(&self, redirect: &str, next: &str) -> Result<Started, OidcError> {
        let redirect_url =
            RedirectUrl::new(redirect.to_owned()).map_err(|e| OidcError::Issuer(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(
            self.metadata().await?,
            self.0.client_id.clone(),
            Some(self.0.client_secret.clone()),
        )
        .set_redirect_uri(redirect_url);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            url: url.to_string(),
            flow: Flow {
                state: state.secret().clone(),
                verifier: verifier.secret().clone(),
                nonce: nonce.secret().clone(),
                redirect: redirect.to_owned(),
                next: next.to_owned(),
            },
        })
    }

    /// Finishes the sign-in `flow` started, with the provider's `code`: the account to sign in.
    pub async fn finish(
        &self,
        store: &Store,
        flow: &Flow,
        code: &str,
    ) -> Result<UserView, OidcError> {
        let redirect_url = RedirectUrl::new(flow.redirect.clone()).map_err(|_| OidcError::Flow)?;
        let client = CoreClient::from_provider_metadata(
            self.metadata().await?,
            self.0.client_id.clone(),
            Some(self.0.client_secret.clone()),
        )
        .set_redirect_uri(redirect_url);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Issuer(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.0.http)
            .await
            .map_err(|e| OidcError::Answer(error_chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::Answer("no ID token".to_owned()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        let claims = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .map_err(|e| OidcError::Answer(error_chain(&e)))?;
        let email = match (claims.email(), claims.email_verified()) {
            (Some(email), Some(true)) => email.as_str().to_owned(),
            (Some(email), None) if self.0.trust_email => email.as_str().to_owned(),
            _ => return Err(OidcError::Unverified),
        };
        let name = claims
            .name()
            .and_then(|names| names.get(None))
            .map(|name| name.as_str().to_owned());
        self.account(store, &email, name.as_deref()).await
    }

    /// The account of a verified `email`: its own, or a new one when its domain is allowed.
    async fn account(
        &self,
        store: &Store,
        email: &str,
        name: Option<&str>,
    ) -> Result<UserView, OidcError> {
        if let Some((user, _)) = store.user_credentials(email).await? {
            return if user.disabled {
                Err(OidcError::Disabled)
            } else {
                Ok(user.user)
            };
        }
        let email = checked_email(email).map_err(|_| OidcError::Unverified)?;
        let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
        if !self.0.allowed_domains.iter().any(|d| d == domain) {
            return Err(OidcError::NotInvited(email));
        }
        let local = email.split('@').next().unwrap_or(&email).to_owned();
        let display_name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&local);
        let new = NewUser {
            email: &email,
            display_name: super::truncate(display_name, super::MAX_NAME_CHARS),
            // Signed in through the provider only, until they set a password.
            password_hash: None,
            role: self.0.default_role,
        };
        match store.create_user(&new).await? {
            Saved::Saved(user) => {
                tracing::info!(user = user.id, role = %user.role, "account created at its first single sign-on");
                Ok(user)
            }
            // Made by a sign-in at the same moment.
            Saved::Duplicate | Saved::NotFound => match store.user_credentials(&email).await? {
                Some((user, _)) if !user.disabled => Ok(user.user),
                _ => Err(OidcError::Disabled),
            },
        }
    }
}

/// An error with its sources, for the log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
