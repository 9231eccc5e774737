//! `stackprint serve`: one process, three ports, one database.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::serve::ListenerExt;
use domain::grouping::{GROUPING_VERSION, PREVIOUS_GROUPING_VERSION};
use tokio::net::TcpListener;

use crate::auth::intake_tokens::{IntakeTokens, RequireToken};
use crate::auth::layer::{Gate, guard};
use crate::auth::setup::{Bootstrap, bootstrap};
use crate::auth::{Auth, Oidc, ProxyAuth, PublicUrl, Rules, SetupLink, SignInWays};
use crate::config::{Listen, ServeArgs};
use crate::http::{IntakeState, agent_router, explorer_json_routes, otlp_router};
use crate::pipeline::{Ingestor, RuleBook, RuleSettings, Transition};
use crate::site::Site;
use crate::source::SourceService;
use crate::storage::Store;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.database.database_url)
        .await
        .with_context(|| {
            format!(
                "opening the database {}",
                redact(&args.database.database_url)
            )
        })?;
    let transition = Transition {
        until: store
            .grouping_transition(
                GROUPING_VERSION,
                PREVIOUS_GROUPING_VERSION,
                args.grouping_transition_days,
            )
            .await
            .context("reading the grouping transition")?,
    };
    if transition.until.is_some() {
        tracing::info!(
            from = PREVIOUS_GROUPING_VERSION,
            to = GROUPING_VERSION,
            "grouping transition: events also join issues of the previous grouping version"
        );
    }
    let mut intake = IntakeState::new(
        Ingestor::start(store.clone(), args.intake_queue_depth, transition),
        args.body_limits(),
    )
    .with_allow(args.intake_allow.clone());
    if args.intake_require_token != RequireToken::Off {
        tracing::info!(senders = ?args.intake_require_token, "intake requires a token");
        intake = intake.with_tokens(IntakeTokens::new(store.clone(), args.intake_require_token));
    }

    let mut servers = tokio::task::JoinSet::new();
    if let Listen::On(addr) = args.listen {
        // Checked before the setup link is logged: a configuration mistake stops the start first.
        let sign_in = sign_in_ways(&args)?;
        let public = match &args.public_url {
            Some(url) => PublicUrl::parse(url)
                .with_context(|| format!("STACKPRINT_PUBLIC_URL `{url}` is not an http(s) URL"))?,
            None => PublicUrl::default(),
        };
        let base_url = public
            .origin
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let setup = bootstrap(
            &store,
            &Bootstrap {
                admin_email: args.admin_email.as_deref(),
                admin_password_file: args.admin_password_file.as_deref(),
                base_url: &base_url,
            },
        )
        .await?;
        let ui = explorer_app(
            store.clone(),
            &Explorer {
                site: Site::choose(args.site_root.clone()),
                addr,
                intake: crate::explorer::IntakeListen {
                    agent: args.agent_listen.addr(),
                    otlp: args.otlp_listen.addr(),
                },
                github_api_url: &args.github_api_url,
                public,
                setup,
                rules: intake.ingestor.rules().clone(),
                sign_in,
            },
        );
        servers.spawn(serve_port("explorer", addr, ui));
        SourceService::new(store.clone(), &args.github_api_url).keep_owners_fresh();
    }
    if let Listen::On(addr) = args.agent_listen {
        servers.spawn(serve_port(
            "datadog agent api",
            addr,
            agent_router(intake.clone()),
        ));
    }
    if let Listen::On(addr) = args.otlp_listen {
        servers.spawn(serve_port("otlp/http", addr, otlp_router(intake.clone())));
    }
    if servers.is_empty() {
        anyhow::bail!("every port is `off`: nothing to serve");
    }
    // The first server to stop (an error, or Ctrl-C) stops the process.
    match servers.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(e.into()),
        None => Ok(()),
    }
}

/// What the explorer port is built from besides the store.
pub struct Explorer<'a> {
    /// Where the WASM bundle, CSS and public assets are answered from.
    pub site: Site,
    pub addr: SocketAddr,
    pub intake: crate::explorer::IntakeListen,
    pub github_api_url: &'a str,
    pub public: PublicUrl,
    pub setup: SetupLink,
    /// The stack rules intake groups with, reloaded after a save through the API.
    pub rules: RuleBook,
    /// Sign-in besides passwords: a trusted proxy's header, OpenID Connect.
    pub sign_in: SignInWays,
}

/// The configured ways to sign in besides a password.
fn sign_in_ways(args: &ServeArgs) -> anyhow::Result<SignInWays> {
    let proxy = args
        .auth_proxy_header
        .as_deref()
        .map(|header| {
            ProxyAuth::new(
                header,
                args.auth_proxy_trusted.clone(),
                args.auth_proxy_create_users,
            )
        })
        .transpose()?;
    let oidc = match &args.oidc.issuer {
        Some(issuer) => Some(Oidc::new(args.oidc.settings(issuer)?)?),
        None => None,
    };
    Ok(SignInWays { proxy, oidc })
}

/// The explorer port: pages, server functions, the JSON API and sign-in, every route behind the
/// access layer with its rule.
pub fn explorer_app(store: Store, config: &Explorer<'_>) -> Router {
    let source = SourceService::new(store.clone(), config.github_api_url);
    let auth = Auth::new(store.clone(), config.public.clone(), config.setup.clone());
    let auth = auth.with_ways(config.sign_in.clone());
    let settings = RuleSettings {
        store: store.clone(),
        book: config.rules.clone(),
    };
    let (json, rules) = explorer_json_routes(
        store.clone(),
        source.clone(),
        auth.clone(),
        settings.clone(),
    )
    .into_parts();
    let gate = Gate {
        auth,
        rules: Arc::new(Rules::new(rules)),
    };
    crate::explorer::router(
        store,
        &config.site,
        config.addr,
        config.intake,
        source,
        gate.auth.clone(),
        settings,
    )
    .merge(json)
    .layer(axum::middleware::from_fn_with_state(gate, guard))
}

async fn serve_port(name: &'static str, addr: SocketAddr, router: Router) -> anyhow::Result<()> {
    // Without TCP_NODELAY a streamed page's last chunks wait for the client's delayed ACK (~40 ms).
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the {name} port {addr}"))?
        .tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
    tracing::info!(%addr, "{name} listening");
    // The peer address: intake checks it against `--intake-allow`, sign-in throttling counts
    // failures per address.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .with_context(|| format!("serving {name}"))
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish (their batches commit first).
async fn shutdown() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// Database URLs may carry a password; logs and errors show them without it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            redact("postgres://u:secret@db:5432/x"),
            "postgres://***@db:5432/x"
        );
        assert_eq!(
            redact("sqlite://./data/stackprint.db"),
            "sqlite://./data/stackprint.db"
        );
    }
}
