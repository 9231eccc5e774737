//! The data source of the pages, provided by the server in Leptos context. Server-only.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use domain::query::{IssueDetail, IssuePage, IssueQuery, TraceDetail};

/// A boxed, sendable future; the error is logged by the server function and not shown to users.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

pub trait ExplorerBackend: Send + Sync + 'static {
    fn list_issues(&self, query: IssueQuery) -> BackendFuture<'_, IssuePage>;
    /// `Ok(None)` for an unknown id.
    fn issue(&self, id: i64) -> BackendFuture<'_, Option<IssueDetail>>;
    /// Every stored span of a trace; `Ok(None)` for a trace that is not stored. Backends that keep no
    /// traces (test fakes) can rely on the default.
    fn trace(&self, trace_id: u128) -> BackendFuture<'_, Option<TraceDetail>> {
        let _ = trace_id;
        Box::pin(async { Ok(None) })
    }
}

/// What the server puts in context: `provide_context(Backend(Arc::new(store)))`.
#[derive(Clone)]
pub struct Backend(pub Arc<dyn ExplorerBackend>);
