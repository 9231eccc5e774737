//! `stackprint serve`: one process, three ports, one database.

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::serve::ListenerExt;
use domain::grouping::{GROUPING_VERSION, PREVIOUS_GROUPING_VERSION};
use tokio::net::TcpListener;

use crate::config::{Listen, ServeArgs};
use crate::http::{IntakeState, agent_router, api_router, otlp_router, source_api_router};
use crate::pipeline::{Ingestor, Transition};
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
    let intake = IntakeState::new(
        Ingestor::start(store.clone(), args.intake_queue_depth, transition),
        args.body_limits(),
    );

    let mut servers = tokio::task::JoinSet::new();
    if let Listen::On(addr) = args.listen {
        let intake = crate::explorer::IntakeListen {
            agent: args.agent_listen.addr(),
            otlp: args.otlp_listen.addr(),
        };
        let source = SourceService::new(store.clone(), &args.github_api_url);
        let ui =
            crate::explorer::router(store.clone(), &args.site_root, addr, intake, source.clone())
                .nest(
                    "/api/v1",
                    api_router(store.clone()).merge(source_api_router(source)),
                );
        servers.spawn(serve_port("explorer", addr, ui));
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
    axum::serve(listener, router)
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
