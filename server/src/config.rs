//! Command line and environment configuration (clap). Every flag has an env var twin so containers can
//! be configured without arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};

use crate::http::BodyLimits;
use crate::intake::Limits;
use crate::pipeline::QUEUE_DEPTH;

#[derive(Debug, Parser)]
#[command(
    name = "stackprint",
    version,
    about = "Self-hosted error tracking for backend services: point Datadog tracers or OpenTelemetry SDKs at it, get grouped issues."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the explorer UI + JSON API, the Datadog Agent trace API and OTLP/HTTP.
    // Boxed: far larger than the other commands' arguments.
    Serve(Box<ServeArgs>),
    /// Create the database if needed, apply migrations and exit.
    Migrate(DatabaseArgs),
    /// Manage accounts (works against the configured database; the server may be running).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage intake tokens (what tracers send when `--intake-require-token` asks for one).
    #[command(subcommand)]
    IntakeToken(IntakeTokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum IntakeTokenCommand {
    /// Create an intake token and print it once.
    Create(IntakeTokenCreateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct IntakeTokenCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// What the token is for, e.g. the service or the host that sends with it (shown in lists).
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin; the password is read from standard input (one line).
    Create(AdminCreateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AdminCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    /// The name shown in the UI (default: the email's local part).
    #[arg(long, default_value = "")]
    pub name: String,
    /// Read the password from standard input (required: passwords never go in arguments, which
    /// other users of the machine can see).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create(TokenCreateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The user the token acts for.
    #[arg(long)]
    pub email: String,
    /// What the token is for (shown in lists).
    #[arg(long)]
    pub name: String,
    /// viewer, member or admin; never above the user's role.
    #[arg(long, default_value = "viewer")]
    pub role: domain::access::Role,
    /// Lifetime such as `90d`, `12h` or `30m`; without it the token does not expire.
    #[arg(long)]
    pub expires: Option<Lifetime>,
}

/// A token lifetime: a number and `d`, `h` or `m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime(pub std::time::Duration);

impl FromStr for Lifetime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a lifetime like 90d, 12h or 30m");
        let unit = s.chars().last().ok_or_else(bad)?;
        let number: u64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        let seconds = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            _ => return Err(bad()),
        };
        if number == 0 {
            return Err(bad());
        }
        number
            .checked_mul(seconds)
            .map(|s| Self(std::time::Duration::from_secs(s)))
            .ok_or_else(bad)
    }
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Where issues and events are stored: `sqlite://PATH` (created on first start) or `postgres://...`.
    #[arg(
        long,
        env = "STACKPRINT_DATABASE_URL",
        default_value = "sqlite://./data/stackprint.db"
    )]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Explorer UI and JSON API address, or `off`.
    #[arg(long, env = "STACKPRINT_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: Listen,

    /// Datadog Agent trace API address (what `DD_TRACE_AGENT_URL` points at), or `off`.
    #[arg(
        long,
        env = "STACKPRINT_AGENT_LISTEN",
        default_value = "127.0.0.1:8126"
    )]
    pub agent_listen: Listen,

    /// OTLP/HTTP address (what `OTEL_EXPORTER_OTLP_ENDPOINT` points at), or `off`.
    #[arg(long, env = "STACKPRINT_OTLP_LISTEN", default_value = "127.0.0.1:4318")]
    pub otlp_listen: Listen,

    /// Largest request body accepted on the intake ports, in bytes (the Datadog Agent's default is 25 MiB).
    #[arg(long, env = "STACKPRINT_MAX_BODY_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Largest body after gzip/deflate decompression, in bytes; guards against decompression bombs.
    #[arg(long, env = "STACKPRINT_MAX_DECOMPRESSED_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_decompressed_bytes: usize,

    /// Memory all intake requests together may hold, in bytes: bodies as they arrive plus what
    /// decoding builds from them. A request that finds it full is refused at once (an overload
    /// answer), never queued.
    #[arg(long, env = "STACKPRINT_MAX_INFLIGHT_BYTES", default_value_t = 128 * 1024 * 1024)]
    pub max_inflight_bytes: usize,

    /// Most spans one intake request may carry (413 past it).
    #[arg(long, env = "STACKPRINT_MAX_SPANS_PER_REQUEST", default_value_t = Limits::default().max_spans)]
    pub max_spans_per_request: usize,

    /// Most bytes decompressing, then decoding, may build per input byte (413 past it); stops
    /// gzip bombs and floods of empty spans early.
    #[arg(long, env = "STACKPRINT_MAX_EXPANSION", default_value_t = Limits::default().max_expansion)]
    pub max_expansion: usize,

    /// Deepest nesting of JSON values and protobuf messages in an intake body (400 past it).
    #[arg(long, env = "STACKPRINT_MAX_NESTING", default_value_t = Limits::default().max_nesting)]
    pub max_nesting: usize,

    /// Intake batches that may be prepared or waiting for the database writer; past it, requests
    /// get an overload answer (Datadog: 200 and counted, or 429 to tracers sending
    /// `Datadog-Send-Real-Http-Status`; OTLP: 503 with `Retry-After`).
    #[arg(long, env = "STACKPRINT_INTAKE_QUEUE_DEPTH", default_value_t = QUEUE_DEPTH)]
    pub intake_queue_depth: usize,

    /// Networks the intake ports take traces from, comma-separated (`10.0.0.0/8,192.0.2.7`, `any`);
    /// others get 403. Tracers send without credentials, so keep this tight when an intake port
    /// listens beyond loopback.
    #[arg(long, env = "STACKPRINT_INTAKE_ALLOW", default_value = crate::http::DEFAULT_INTAKE_ALLOW)]
    pub intake_allow: crate::http::IntakeAllow,

    /// Which senders need an intake token (`DD-API-KEY` or `Authorization: Bearer spi_…`): `off`,
    /// `remote` (everyone but loopback; the flag alone means this) or `all`. Missing tokens get
    /// 401, unknown or revoked ones 403.
    #[arg(
        long,
        env = "STACKPRINT_INTAKE_REQUIRE_TOKEN",
        default_value = "off",
        num_args = 0..=1,
        default_missing_value = "remote"
    )]
    pub intake_require_token: crate::auth::intake_tokens::RequireToken,

    /// Directory with the built site (`pkg/` with the WASM bundle and CSS), for development: it
    /// replaces the site compiled into release builds (`make build`). Builds without one read
    /// `target/site` next to the working directory, where `make site-debug` puts it.
    #[arg(long, env = "STACKPRINT_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// GitHub API base for repositories linked without their own (GitHub Enterprise repositories name
    /// theirs when linked). Point it at a proxy or a test double; github.com needs no change.
    #[arg(
        long,
        env = "STACKPRINT_GITHUB_API_URL",
        default_value = "https://api.github.com"
    )]
    pub github_api_url: String,

    /// The URL people open Stackprint at (`https://errors.example.com`), behind a TLS proxy for
    /// example. Session cookies are `Secure` when it is https; cross-site form posts are refused by
    /// comparing their `Origin` with it. Without it, with the request's `Host`.
    #[arg(long, env = "STACKPRINT_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The first admin's email, created at start only while no account exists (with
    /// `STACKPRINT_ADMIN_PASSWORD_FILE`).
    #[arg(long, env = "STACKPRINT_ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// A file holding the first admin's password (a container secret, say).
    #[arg(long, env = "STACKPRINT_ADMIN_PASSWORD_FILE")]
    pub admin_password_file: Option<PathBuf>,

    /// A header carrying the signed-in person's email, set by a reverse proxy that signs people in
    /// (oauth2-proxy: `X-Forwarded-Email`). Believed only from `--auth-proxy-trusted` peers.
    #[arg(long, env = "STACKPRINT_AUTH_PROXY_HEADER")]
    pub auth_proxy_header: Option<String>,

    /// The proxies' addresses (comma-separated networks) whose `--auth-proxy-header` is believed: the
    /// TCP peer's address, never `X-Forwarded-For`. Required with the header.
    #[arg(long, env = "STACKPRINT_AUTH_PROXY_TRUSTED", default_value = "")]
    pub auth_proxy_trusted: crate::networks::Networks,

    /// Create an account with this role for an email the proxy sends that has none; without it,
    /// only existing (invited) users are signed in.
    #[arg(long, env = "STACKPRINT_AUTH_PROXY_CREATE_USERS")]
    pub auth_proxy_create_users: Option<domain::access::Role>,

    #[command(flatten)]
    pub oidc: OidcArgs,

    /// Days after this database first ran a new grouping version during which events are grouped
    /// with the previous version too, so they join the issues it made instead of opening new ones.
    #[arg(
        long,
        env = "STACKPRINT_GROUPING_TRANSITION_DAYS",
        default_value_t = 30
    )]
    pub grouping_transition_days: u32,
}

/// Sign-in with OpenID Connect. The client secret comes from `--oidc-client-secret-file` or the
/// environment variable `STACKPRINT_OIDC_CLIENT_SECRET`, never from an argument (other users of the
/// machine can read those).
#[derive(Debug, Clone, Args)]
pub struct OidcArgs {
    /// The provider's issuer URL (`https://accounts.google.com`,
    /// `https://sso.example.com/realms/acme`); with it the sign-in page offers single sign-on.
    #[arg(long = "oidc-issuer", env = "STACKPRINT_OIDC_ISSUER")]
    pub issuer: Option<String>,

    /// The client id registered at the provider.
    #[arg(
        long = "oidc-client-id",
        env = "STACKPRINT_OIDC_CLIENT_ID",
        default_value = ""
    )]
    pub client_id: String,

    /// A file holding the client secret.
    #[arg(
        long = "oidc-client-secret-file",
        env = "STACKPRINT_OIDC_CLIENT_SECRET_FILE"
    )]
    pub client_secret_file: Option<PathBuf>,

    /// Email domains (comma-separated) whose people get an account, with `--oidc-default-role`, at
    /// their first sign-in; others need an account (an invitation) first.
    #[arg(
        long = "oidc-allowed-domains",
        env = "STACKPRINT_OIDC_ALLOWED_DOMAINS",
        value_delimiter = ','
    )]
    pub allowed_domains: Vec<String>,

    /// The role of accounts made at a first sign-in.
    #[arg(
        long = "oidc-default-role",
        env = "STACKPRINT_OIDC_DEFAULT_ROLE",
        default_value = "viewer"
    )]
    pub default_role: domain::access::Role,

    /// Take the provider's `email` claim as verified when it sends no `email_verified` (Entra ID
    /// does not): only for a provider whose users cannot choose their own email (one tenant).
    #[arg(long = "oidc-trust-email", env = "STACKPRINT_OIDC_TRUST_EMAIL")]
    pub trust_email: bool,

    /// The provider's name on the sign-in button ("Sign in with Okta").
    #[arg(
        long = "oidc-name",
        env = "STACKPRINT_OIDC_NAME",
        default_value = "single sign-on"
    )]
    pub name: String,
}

/// Where the OpenID Connect client secret may come from besides a file.
const OIDC_CLIENT_SECRET_ENV: &str = "STACKPRINT_OIDC_CLIENT_SECRET";

impl OidcArgs {
    /// The provider's settings, with the client secret read from its file or the environment.
    pub fn settings(&self, issuer: &str) -> anyhow::Result<crate::auth::oidc::OidcSettings> {
        use anyhow::Context;
        let client_secret = match &self.client_secret_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading the OIDC client secret from {}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
            None => std::env::var(OIDC_CLIENT_SECRET_ENV).with_context(|| {
                format!("--oidc-issuer needs --oidc-client-secret-file or {OIDC_CLIENT_SECRET_ENV}")
            })?,
        };
        Ok(crate::auth::oidc::OidcSettings {
            issuer: issuer.to_owned(),
            client_id: self.client_id.clone(),
            client_secret,
            allowed_domains: self.allowed_domains.clone(),
            default_role: self.default_role,
            label: self.name.clone(),
            trust_email: self.trust_email,
        })
    }
}

impl ServeArgs {
    pub fn body_limits(&self) -> BodyLimits {
        BodyLimits {
            max_body_bytes: self.max_body_bytes,
            max_inflight_bytes: self.max_inflight_bytes,
            decode: Limits {
                max_body_bytes: self.max_decompressed_bytes,
                max_spans: self.max_spans_per_request,
                max_expansion: self.max_expansion,
                max_nesting: self.max_nesting,
            },
        }
    }
}

/// A listen address, or `off` to disable that port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    Off,
    On(SocketAddr),
}

impl Listen {
    pub fn addr(self) -> Option<SocketAddr> {
        match self {
            Self::Off => None,
            Self::On(addr) => Some(addr),
        }
    }
}

impl FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(Self::Off);
        }
        s.parse()
            .map(Self::On)
            .map_err(|e| format!("`{s}` is neither `off` nor an address like 127.0.0.1:3000: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_parses_addresses_and_off() {
        assert_eq!("off".parse::<Listen>(), Ok(Listen::Off));
        assert_eq!("OFF".parse::<Listen>(), Ok(Listen::Off));
        assert_eq!(
            "127.0.0.1:8126".parse::<Listen>(),
            Ok(Listen::On("127.0.0.1:8126".parse().expect("valid address")))
        );
        assert!("localhost".parse::<Listen>().is_err());
    }

    #[test]
    fn lifetimes_parse() {
        let day = 86_400;
        assert_eq!(
            "90d".parse(),
            Ok(Lifetime(std::time::Duration::from_secs(90 * day)))
        );
        assert_eq!(
            "12h".parse(),
            Ok(Lifetime(std::time::Duration::from_secs(12 * 3600)))
        );
        assert_eq!(
            "30m".parse(),
            Ok(Lifetime(std::time::Duration::from_secs(1800)))
        );
        for bad in ["", "d", "0d", "5w", "-1d", "1.5h"] {
            assert!(bad.parse::<Lifetime>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_token_switch_alone_means_remote() {
        use crate::auth::intake_tokens::RequireToken;
        let serve = |extra: &[&str]| {
            let args = [&["stackprint", "serve"], extra].concat();
            match Cli::try_parse_from(args).expect("parses").command {
                Command::Serve(serve) => serve.intake_require_token,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(serve(&[]), RequireToken::Off);
        assert_eq!(serve(&["--intake-require-token"]), RequireToken::Remote);
        assert_eq!(serve(&["--intake-require-token", "all"]), RequireToken::All);
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
