//! The explorer UI: Leptos pages rendered here and hydrated in the browser, reading through the store.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use app::backend::{Backend, BackendFuture, ExplorerBackend};
use app::{App, shell};
use axum::Router;
use domain::query::{IssueDetail, IssuePage, IssueQuery, TraceDetail};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};

use crate::storage::{Store, StoreError};

struct StoreBackend(Store);

/// Pages get a generic message; the database's own text stays in the log.
fn hide(error: StoreError) -> String {
    tracing::error!(error = %error, "explorer query failed");
    "database error".to_string()
}

impl ExplorerBackend for StoreBackend {
    fn list_issues(&self, query: IssueQuery) -> BackendFuture<'_, IssuePage> {
        Box::pin(async move { self.0.list_issues(&query).await.map_err(hide) })
    }

    fn issue(&self, id: i64) -> BackendFuture<'_, Option<IssueDetail>> {
        Box::pin(async move { self.0.issue(id).await.map_err(hide) })
    }

    fn trace(&self, trace_id: u128) -> BackendFuture<'_, Option<TraceDetail>> {
        Box::pin(async move { self.0.trace(trace_id).await.map_err(hide) })
    }
}

pub fn router(store: Store, site_root: &Path, addr: SocketAddr) -> Router {
    let options = LeptosOptions::builder()
        .output_name("stackprint")
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let backend = Backend(Arc::new(StoreBackend(store)));
    let routes = generate_route_list(App);
    Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(backend.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}
