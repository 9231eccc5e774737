//! Server functions the pages load their data with. In the browser they are HTTP calls to the paths
//! below; on the server they call the [`Backend`](crate::backend::Backend) in context directly.

use std::collections::BTreeMap;

use domain::query::{IssueDetail, IssuePage, IssueQuery, TraceDetail};
use domain::stacktrace::Stacktrace;
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

/// A stored trace for the trace page, with the stack traces of its spans parsed on the server (the
/// parsers stay out of the WASM bundle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceView {
    pub trace: TraceDetail,
    /// The parsed `error.stack` of each span that carries one, by span id.
    pub stacks: BTreeMap<String, Stacktrace>,
}

/// `POST /api/ui/trace`: every span of a trace (32 hex digits, or fewer for 64-bit ids); `None` for an
/// unknown trace or a malformed id.
#[server(prefix = "/api/ui", endpoint = "trace", input = Json)]
pub async fn trace(trace_id: String) -> Result<Option<TraceView>, ServerFnError> {
    let Some(id) = ssr::parse_trace_id(&trace_id) else {
        return Ok(None);
    };
    let backend = ssr::backend()?;
    let found = backend
        .0
        .trace(id)
        .await
        .map_err(|e| ssr::failed("load trace", e))?;
    Ok(found.map(ssr::with_stacks))
}

#[cfg(feature = "ssr")]
mod ssr {
    use domain::query::TraceDetail;
    use domain::span::tags as key;
    use domain::stacktrace::{Language, parse};
    use leptos::prelude::*;

    use super::TraceView;
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

    pub fn parse_trace_id(raw: &str) -> Option<u128> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 32 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u128::from_str_radix(raw, 16).ok()
    }

    pub fn with_stacks(trace: TraceDetail) -> TraceView {
        let stacks = trace
            .spans
            .iter()
            .filter_map(|span| {
                let text = span.meta.get(key::ERROR_STACK)?;
                let language = span
                    .meta
                    .get(key::LANGUAGE)
                    .and_then(|l| Language::from_tracer_lang(l));
                let parsed = parse(text, language);
                Some((span.span_id.clone(), parsed))
            })
            .collect();
        TraceView { trace, stacks }
    }

    #[cfg(test)]
    mod tests {
        use super::parse_trace_id;

        #[test]
        fn trace_ids_are_hex_up_to_128_bits() {
            let cases = [
                (
                    "0af7651916cd43dd8448eb211c80319c",
                    Some(0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c),
                ),
                ("ff", Some(255)),
                ("", None),
                ("xyz", None),
                ("+1", None),
                ("fffffffffffffffffffffffffffffffff", None),
            ];
            for (raw, want) in cases {
                assert_eq!(parse_trace_id(raw), want, "{raw}");
            }
        }
    }
}
