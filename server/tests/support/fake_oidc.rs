//! An OpenID Connect provider on loopback that speaks the real protocol to the server: a discovery
//! document, a JWKS with a freshly made RSA key, an authorization endpoint that redirects back with a
//! code, and a token endpoint that checks the client's secret, the redirect URL and the PKCE
//! verifier before it answers a signed ID token (with the flow's nonce) for whoever the test says
//! signed in. Codes work once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "stackprint-tests";
pub const CLIENT_SECRET: &str = "fake-oidc-client-secret";

/// Who signs in at the provider next.
#[derive(Debug, Clone)]
pub struct Person {
    pub email: String,
    pub verified: bool,
}

struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
    person: Person,
}

struct Provider {
    issuer: String,
    key: CoreRsaPrivateSigningKey,
    next: Mutex<Option<Person>>,
    codes: Mutex<HashMap<String, Grant>>,
}

pub struct FakeIssuer {
    pub url: String,
    provider: Arc<Provider>,
}

impl FakeIssuer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("RSA key");
        let pem = private
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .expect("PEM");
        let key = CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new("k1".into())))
            .expect("signing key");
        let provider = Arc::new(Provider {
            issuer: url.clone(),
            key,
            next: Mutex::new(None),
            codes: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, provider }
    }

    /// The person the next authorization signs in.
    pub fn sign_in_as(&self, email: &str, verified: bool) {
        *self.provider.next.lock().expect("lock") = Some(Person {
            email: email.to_owned(),
            verified,
        });
    }
}

async fn discovery(State(p): State<Arc<Provider>>) -> Json<serde_json::Value> {
    let url = &p.issuer;
    Json(json!({
        "issuer": url,
        "authorization_endpoint": format!("{url}/authorize"),
        "token_endpoint": format!("{url}/token"),
        "jwks_uri": format!("{url}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid", "email", "profile"],
        "claims_supported": ["sub", "email", "email_verified"],
    }))
}

async fn jwks(State(p): State<Arc<Provider>>) -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![p.key.as_verification_key()]))
}

#[derive(Deserialize)]
struct Authorize {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    nonce: String,
    code_challenge: String,
    code_challenge_method: String,
}

async fn authorize(State(p): State<Arc<Provider>>, Query(q): Query<Authorize>) -> Response {
    let sound = q.response_type == "code"
        && q.client_id == CLIENT_ID
        && q.code_challenge_method == "S256"
        && q.scope.split(' ').any(|s| s == "openid");
    let person = p.next.lock().expect("lock").take();
    let (true, Some(person)) = (sound, person) else {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    };
    let code = format!(
        "code-{}",
        rand_core::RngCore::next_u64(&mut rand_core::OsRng)
    );
    p.codes.lock().expect("lock").insert(
        code.clone(),
        Grant {
            challenge: q.code_challenge,
            nonce: q.nonce,
            redirect_uri: q.redirect_uri.clone(),
            person,
        },
    );
    let state: String = form_urlencoded::byte_serialize(q.state.as_bytes()).collect();
    Redirect::to(&format!("{}?code={code}&state={state}", q.redirect_uri)).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
}

/// `client_secret_basic`: `Basic base64(urlencode(id):urlencode(secret))`.
fn client_authenticated(headers: &HeaderMap) -> bool {
    let expected = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {expected}"))
}

async fn token(
    State(p): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let refuse =
        |error: &str| (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response();
    if !client_authenticated(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let Some(grant) = p.codes.lock().expect("lock").remove(&form.code) else {
        return refuse("invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(form.code_verifier.as_bytes()));
    if form.grant_type != "authorization_code"
        || form.redirect_uri != grant.redirect_uri
        || challenge != grant.challenge
    {
        return refuse("invalid_grant");
    }
    let now = chrono::Utc::now();
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(p.issuer.clone()).expect("issuer"),
        vec![Audience::new(CLIENT_ID.to_owned())],
        now + chrono::Duration::minutes(5),
        now,
        StandardClaims::new(SubjectIdentifier::new(format!(
            "sub-{}",
            grant.person.email
        )))
        .set_email(Some(EndUserEmail::new(grant.person.email.clone())))
        .set_email_verified(Some(grant.person.verified)),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(grant.nonce)));
    let id_token = CoreIdToken::new(
        claims,
        &p.key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .expect("signed ID token");
    Json(json!({
        "access_token": "fake-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
