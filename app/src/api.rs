//! Server functions the pages load their data with. In the browser they are HTTP calls to the paths
//! below; on the server they call the [`Backend`](crate::backend::Backend) in context directly.

use domain::query::{IssueDetail, IssuePage, IssueQuery};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Data with the server's clock at the time it was read, so relative times ("5 min ago") render the
/// same on the server and in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<T> {
    /// Unix milliseconds.
    pub now: i64,
    pub data: T,
}

/// `POST /api/ui/issues`: one page of the issue list.
#[server(prefix = "/api/ui", endpoint = "issues", input = Json)]
pub async fn list_issues(query: IssueQuery) -> Result<Snapshot<IssuePage>, ServerFnError> {
    let backend = ssr::backend()?;
    let data = backend
        .0
        .list_issues(query)
        .await
        .map_err(|e| ssr::failed("list issues", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// `POST /api/ui/issue`: one issue with its latest event; `None` for an unknown id.
#[server(prefix = "/api/ui", endpoint = "issue", input = Json)]
pub async fn issue(id: i64) -> Result<Snapshot<Option<IssueDetail>>, ServerFnError> {
    let backend = ssr::backend()?;
    let data = backend
        .0
        .issue(id)
        .await
        .map_err(|e| ssr::failed("load issue", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;

    use crate::backend::Backend;

    pub fn backend() -> Result<Backend, ServerFnError> {
        use_context::<Backend>().ok_or_else(|| {
            tracing::error!("no Backend in Leptos context: the server must provide one");
            ServerFnError::new("Stackprint is misconfigured; see the server log.")
        })
    }

    /// Logs the backend's error and returns one without internals for the browser.
    pub fn failed(action: &str, error: String) -> ServerFnError {
        tracing::error!(%error, "could not {action}");
        ServerFnError::new(format!("Could not {action}; see the server log."))
    }

    pub fn now() -> i64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}
