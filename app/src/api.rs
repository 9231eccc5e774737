//! Server functions the pages load their data with. In the browser they are HTTP calls to the paths
//! below; on the server they call the [`Backend`](crate::backend::Backend) in context directly.

use std::collections::BTreeMap;

use domain::explorer::{
    ActivityPage, BulkStatusResult, Facets, IssueDistribution, IssueListPage, MergeResult,
};
use domain::query::{EventPage, IssueDetail, IssuePage, IssueQuery, Status, TraceDetail};
use domain::stacktrace::Stacktrace;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::range::TimeRange;
use crate::url::ListState;

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

/// One page of the explorer, and whether any issue exists at all (for the empty state of a new
/// install, which shows where to send traces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplorerPage {
    pub list: IssueListPage,
    pub any_issues: bool,
    /// Where services send their traces; only read for the empty state.
    pub intake: IntakeAddresses,
    /// Why the search could not run, found by the server (an `assignee:` email nobody has); the
    /// list is empty then.
    #[serde(default)]
    pub search_problem: Option<domain::query::SearchError>,
}

impl ExplorerPage {
    /// The page of a search the server refused.
    pub fn refused(problem: domain::query::SearchError) -> Self {
        Self {
            list: IssueListPage {
                issues: Vec::new(),
                total: 0,
                buckets: Vec::new(),
                bucket_ms: 0,
            },
            any_issues: true,
            intake: IntakeAddresses::default(),
            search_problem: Some(problem),
        }
    }
}

/// The intake a service points its tracer at, as the browser reached this server: the host of the
/// request (so the snippets are right on a remote server) and the configured intake ports. The server
/// puts one in context for each request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeAddresses {
    /// `None` when unknown: the snippets then say `<host>`.
    pub host: Option<String>,
    /// The Datadog Agent trace API; `None` when that port is `off`.
    pub agent: Option<IntakePort>,
    /// OTLP/HTTP; `None` when that port is `off`.
    pub otlp: Option<IntakePort>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakePort {
    pub port: u16,
    /// It listens on a loopback address while the browser came from elsewhere: other machines cannot
    /// reach it.
    pub loopback_only: bool,
}

impl Default for IntakeAddresses {
    /// The default ports on an unknown host.
    fn default() -> Self {
        let port = |port| {
            Some(IntakePort {
                port,
                loopback_only: false,
            })
        };
        Self {
            host: None,
            agent: port(8126),
            otlp: port(4318),
        }
    }
}

impl IntakeAddresses {
    /// From the request's `Host` header and what the server listens on: the header's host without its
    /// port; when it is missing, malformed or a wildcard (`0.0.0.0`), the UI's listen address unless
    /// that is a wildcard too.
    pub fn new(
        host_header: Option<&str>,
        ui: std::net::SocketAddr,
        agent: Option<std::net::SocketAddr>,
        otlp: Option<std::net::SocketAddr>,
    ) -> Self {
        let host = host_header
            .and_then(host_without_port)
            .or_else(|| (!ui.ip().is_unspecified()).then(|| bracketed(ui.ip())));
        let remote = host.as_deref().is_some_and(|h| !is_loopback_host(h));
        let port = |addr: Option<std::net::SocketAddr>| {
            addr.map(|addr| IntakePort {
                port: addr.port(),
                loopback_only: remote && addr.ip().is_loopback(),
            })
        };
        Self {
            host,
            agent: port(agent),
            otlp: port(otlp),
        }
    }

    /// `http://HOST:PORT`, `HOST` being `<host>` when unknown.
    pub fn url(&self, port: IntakePort) -> String {
        let host = self.host.as_deref().unwrap_or("<host>");
        format!("http://{host}:{}", port.port)
    }
}

/// The host part of a `Host` header (`example.com:3000`, `[::1]:3000`, `10.0.0.5`); `None` for
/// anything else and for wildcard addresses.
fn host_without_port(header: &str) -> Option<String> {
    let header = header.trim();
    let host = if header.starts_with('[') {
        &header[..=header.find(']')?]
    } else {
        header.split(':').next()?
    };
    let inner = host.trim_start_matches('[').trim_end_matches(']');
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_');
    if inner.is_empty() || !inner.chars().all(allowed) {
        return None;
    }
    if inner
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_unspecified())
    {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

fn bracketed(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let inner = host.trim_start_matches('[').trim_end_matches(']');
    inner == "localhost"
        || inner
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `POST /api/ui/explorer`: one page of the explorer's issue list over its time range.
#[server(prefix = "/api/ui", endpoint = "explorer", input = Json)]
pub async fn explorer_issues(state: ListState) -> Result<Snapshot<ExplorerPage>, ServerFnError> {
    use crate::range::Detail;
    let backend = ssr::backend()?;
    let now = ssr::now();
    let search = match ssr::search(&backend, &state.search).await? {
        Ok(search) => search,
        Err(problem) => {
            return Ok(Snapshot {
                now,
                data: ExplorerPage::refused(problem),
            });
        }
    };
    let query = IssueQuery {
        sort: state.sort,
        offset: Some(state.offset),
        ..IssueQuery::default()
    };
    let range = state.range.resolve(now, Detail::Sparkline);
    let list = backend
        .0
        .explorer_issues(query, search, range)
        .await
        .map_err(|e| ssr::failed("list issues", e))?;
    let any_issues = list.total > 0
        || backend
            .0
            .list_issues(IssueQuery {
                limit: Some(1),
                ..IssueQuery::default()
            })
            .await
            .map_err(|e| ssr::failed("list issues", e))?
            .total
            > 0;
    let intake = use_context::<IntakeAddresses>().unwrap_or_default();
    Ok(Snapshot {
        now,
        data: ExplorerPage {
            list,
            any_issues,
            intake,
            search_problem: None,
        },
    })
}

/// `POST /api/ui/facets`: issue counts per facet value under a search and time range.
#[server(prefix = "/api/ui", endpoint = "facets", input = Json)]
pub async fn explorer_facets(search: String, range: TimeRange) -> Result<Facets, ServerFnError> {
    use crate::range::Detail;
    let backend = ssr::backend()?;
    // The list says what is wrong with the search; the facets stay empty meanwhile.
    let Ok(search) = ssr::search(&backend, &search).await? else {
        return Ok(Facets::default());
    };
    let range = range.resolve(ssr::now(), Detail::Sparkline);
    backend
        .0
        .facets(search, range)
        .await
        .map_err(|e| ssr::failed("count facets", e))
}

/// `POST /api/ui/distribution`: an issue's events over time and by version, env, host and resource;
/// `None` for an unknown issue.
#[server(prefix = "/api/ui", endpoint = "distribution", input = Json)]
pub async fn distribution(
    id: i64,
    range: TimeRange,
) -> Result<Option<IssueDistribution>, ServerFnError> {
    use crate::range::Detail;
    let backend = ssr::backend()?;
    let range = range.resolve(ssr::now(), Detail::Chart);
    backend
        .0
        .distribution(id, range)
        .await
        .map_err(|e| ssr::failed("load the distribution", e))
}

/// `POST /api/ui/activity`: an issue's triage timeline; `None` for an unknown issue.
#[server(prefix = "/api/ui", endpoint = "activity", input = Json)]
pub async fn activity(id: i64) -> Result<Snapshot<Option<ActivityPage>>, ServerFnError> {
    let backend = ssr::backend()?;
    let data = backend
        .0
        .activity(id)
        .await
        .map_err(|e| ssr::failed("load the activity", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// `POST /api/ui/dropped`: intake requests refused, by reason, those with a count only.
#[server(prefix = "/api/ui", endpoint = "dropped", input = Json)]
pub async fn intake_dropped() -> Result<BTreeMap<String, i64>, ServerFnError> {
    let backend = ssr::backend()?;
    let mut dropped = backend
        .0
        .dropped()
        .await
        .map_err(|e| ssr::failed("count intake drops", e))?;
    dropped.retain(|_, count| *count > 0);
    Ok(dropped)
}

/// `POST /api/ui/event`: an issue's event number `index`, 0 the latest, with the issue's event count.
#[server(prefix = "/api/ui", endpoint = "event", input = Json)]
pub async fn issue_event(id: i64, index: u32) -> Result<Snapshot<EventPage>, ServerFnError> {
    let backend = ssr::backend()?;
    let data = backend
        .0
        .events(id, 1, index)
        .await
        .map_err(|e| ssr::failed("load the event", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// The longest name recorded with a status change, in characters (as the JSON API).
pub const MAX_ACTOR_CHARS: usize = 200;
/// Who changed a status when nobody is signed in (pages served without the access layer: tests).
pub const DEFAULT_ACTOR: &str = "web";

/// `POST /api/ui/status`: sets the status of 1 to 1000 issues, recorded as the signed-in user (their
/// email). Without one (no access layer in front) `actor` is recorded (blank: [`DEFAULT_ACTOR`]).
#[server(prefix = "/api/ui", endpoint = "status", input = Json)]
pub async fn set_statuses(
    ids: Vec<i64>,
    status: Status,
    actor: Option<String>,
) -> Result<BulkStatusResult, ServerFnError> {
    use domain::explorer::BulkStatusChange;
    if ids.is_empty() || ids.len() > BulkStatusChange::MAX_IDS {
        return Err(ServerFnError::new(format!(
            "Select 1 to {} issues.",
            BulkStatusChange::MAX_IDS
        )));
    }
    let actor = actor_or_default(actor)?;
    let backend = ssr::backend()?;
    backend
        .0
        .set_statuses(ids, status, actor)
        .await
        .map_err(|e| ssr::failed("change the status", e))
}

/// The name a change is recorded with: the signed-in user's email; without the access layer in
/// front (handler tests), `actor` trimmed, [`DEFAULT_ACTOR`] when blank.
#[cfg(feature = "ssr")]
fn actor_or_default(actor: Option<String>) -> Result<String, ServerFnError> {
    let actor = match use_context::<domain::access::Caller>() {
        Some(caller) => caller.user.email,
        None => actor
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| DEFAULT_ACTOR.to_owned()),
    };
    if actor.chars().count() > MAX_ACTOR_CHARS {
        return Err(ServerFnError::new(format!(
            "Names are at most {MAX_ACTOR_CHARS} characters."
        )));
    }
    Ok(actor)
}

/// `POST /api/ui/status/form`: [`set_statuses`] for an HTML form (URL-encoded `ids[]=N`, `status`,
/// `actor`), so triage works before and without the WASM. A form post (`Accept: text/html`) is
/// answered with a redirect back to the page, carrying the error in `__err` if it failed.
#[server(prefix = "/api/ui", endpoint = "status/form")]
pub async fn set_statuses_form(
    #[server(default)] ids: Vec<i64>,
    status: Status,
    #[server(default)] actor: Option<String>,
) -> Result<BulkStatusResult, ServerFnError> {
    set_statuses(ids, status, actor).await
}

/// `POST /api/ui/merge`: merges the selected issues (2 to 100) into the oldest of them (the lowest
/// id: the issue that existed first keeps its history, link and status), recorded with `actor`.
#[server(prefix = "/api/ui", endpoint = "merge", input = Json)]
pub async fn merge_issues(
    ids: Vec<i64>,
    actor: Option<String>,
) -> Result<MergeResult, ServerFnError> {
    use domain::explorer::MergeRequest;
    let mut ids = ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 || ids.len() > MergeRequest::MAX_ISSUES + 1 {
        return Err(ServerFnError::new(format!(
            "Select 2 to {} issues to merge.",
            MergeRequest::MAX_ISSUES + 1
        )));
    }
    let actor = actor_or_default(actor)?;
    let into = ids.remove(0);
    let backend = ssr::backend()?;
    backend
        .0
        .merge(into, ids, actor)
        .await
        .map_err(|e| ssr::failed("merge the issues", e))
}

/// `POST /api/ui/merge/form`: [`merge_issues`] for the bulk bar's form (`ids[]=N`, `actor`) before
/// and without the WASM; answered with a redirect back like [`set_statuses_form`].
#[server(prefix = "/api/ui", endpoint = "merge/form")]
pub async fn merge_issues_form(
    #[server(default)] ids: Vec<i64>,
    #[server(default)] actor: Option<String>,
) -> Result<MergeResult, ServerFnError> {
    merge_issues(ids, actor).await
}

/// `POST /api/ui/unmerge/form`: undoes the merge of issue `id` (a form: `id`, `actor`), answered
/// with a redirect back to the page.
#[server(prefix = "/api/ui", endpoint = "unmerge/form")]
pub async fn unmerge_issue_form(
    id: i64,
    #[server(default)] actor: Option<String>,
) -> Result<i64, ServerFnError> {
    let actor = actor_or_default(actor)?;
    let backend = ssr::backend()?;
    backend
        .0
        .unmerge(id, actor)
        .await
        .map_err(|e| ssr::failed("unmerge the issue", e))
}

/// Where the merged issue page's Unmerge button posts: [`unmerge_issue_form`]'s path.
pub fn unmerge_form_action() -> &'static str {
    use leptos::server_fn::ServerFn;
    UnmergeIssueForm::PATH
}

/// Where the bulk bar's Merge button posts: [`merge_issues_form`]'s path.
pub fn merge_form_action() -> &'static str {
    use leptos::server_fn::ServerFn;
    MergeIssuesForm::PATH
}

/// Where the status forms post: [`set_statuses_form`]'s path.
pub fn status_form_action() -> &'static str {
    use leptos::server_fn::ServerFn;
    SetStatusesForm::PATH
}

/// The error a [`set_statuses_form`] or [`merge_issues_form`] post was redirected back with, from the page's `__err` query
/// value.
pub fn status_form_error(query: &leptos_router::params::ParamsMap) -> Option<ServerFnError> {
    use leptos::server_fn::ServerFn;
    form_error(query, &[SetStatusesForm::PATH, MergeIssuesForm::PATH])
}

/// The error a form post to one of `paths` was redirected back with, from the page's `__err`.
pub fn form_error(
    query: &leptos_router::params::ParamsMap,
    paths: &[&str],
) -> Option<ServerFnError> {
    use leptos::server_fn::error::ServerFnUrlError;
    let from_form = query.get_str("__path").is_some_and(|p| paths.contains(&p));
    query
        .get_str("__err")
        .filter(|_| from_form)
        .map(ServerFnUrlError::<ServerFnError>::decode_err)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use domain::query::{Search, TraceDetail, parse_search};
    use domain::span::tags as key;
    use domain::stacktrace::{Language, parse};
    use leptos::prelude::*;

    use super::TraceView;
    use crate::backend::{Backend, BackendError};

    pub fn backend() -> Result<Backend, ServerFnError> {
        use_context::<Backend>().ok_or_else(|| {
            tracing::error!("no Backend in Leptos context: the server must provide one");
            ServerFnError::new("Stackprint is misconfigured; see the server log.")
        })
    }

    /// Logs the backend's error and returns one without internals for the browser; requests it
    /// refused say why.
    pub fn failed(action: &str, error: BackendError) -> ServerFnError {
        match error {
            BackendError::Invalid(reason) => {
                tracing::debug!(%reason, "refused to {action}");
                ServerFnError::new(format!("Could not {action}: {reason}"))
            }
            BackendError::Failed(error) => {
                tracing::error!(%error, "could not {action}");
                ServerFnError::new(format!("Could not {action}; see the server log."))
            }
        }
    }

    /// The parsed search with its `assignee:` terms resolved for the signed-in user; the inner
    /// error is what only the server finds wrong (an email nobody has). The page validates the
    /// syntax before asking, so a parse error refuses only hand-made requests.
    pub async fn search(
        backend: &Backend,
        text: &str,
    ) -> Result<Result<Search, domain::query::SearchError>, ServerFnError> {
        let search =
            parse_search(text).map_err(|e| ServerFnError::new(format!("Invalid search: {e}")))?;
        let me = use_context::<domain::access::Caller>().map(|c| c.user.email);
        backend
            .0
            .resolve_search(text.to_owned(), search, me)
            .await
            .map_err(|e| failed("read the search", e))
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

#[cfg(test)]
mod tests {
    use super::{IntakeAddresses, IntakePort};

    #[test]
    fn intake_addresses_follow_the_browser() {
        let on = |addr: &str| addr.parse().ok();
        let ui = on("0.0.0.0:3000").expect("address");
        let local = on("127.0.0.1:3000").expect("address");
        let port = |port, loopback_only| {
            Some(IntakePort {
                port,
                loopback_only,
            })
        };
        // (Host header, UI listen, agent listen, OTLP listen) -> (host, agent, otlp)
        let cases = [
            (
                Some("stackprint.internal:3000"),
                ui,
                on("0.0.0.0:8126"),
                on("0.0.0.0:4318"),
                (
                    Some("stackprint.internal"),
                    port(8126, false),
                    port(4318, false),
                ),
            ),
            (
                Some("10.0.0.5"),
                ui,
                on("127.0.0.1:9126"),
                None,
                (Some("10.0.0.5"), port(9126, true), None),
            ),
            (
                Some("[::1]:3000"),
                ui,
                on("[::1]:8126"),
                on("127.0.0.1:4318"),
                (Some("[::1]"), port(8126, false), port(4318, false)),
            ),
            (
                Some("LocalHost:3000"),
                local,
                on("127.0.0.1:8126"),
                on("127.0.0.1:4318"),
                (Some("localhost"), port(8126, false), port(4318, false)),
            ),
            (
                Some("0.0.0.0:3000"),
                local,
                on("127.0.0.1:8126"),
                None,
                (Some("127.0.0.1"), port(8126, false), None),
            ),
            (Some("0.0.0.0:3000"), ui, None, None, (None, None, None)),
            (None, ui, None, None, (None, None, None)),
            (Some("evil\"><script>"), ui, None, None, (None, None, None)),
            (Some(""), local, None, None, (Some("127.0.0.1"), None, None)),
        ];
        for (header, ui, agent, otlp, (host, want_agent, want_otlp)) in cases {
            let got = IntakeAddresses::new(header, ui, agent, otlp);
            assert_eq!(
                (got.host.as_deref(), got.agent, got.otlp),
                (host, want_agent, want_otlp),
                "{header:?}"
            );
        }
        let unknown = IntakeAddresses::default();
        let agent = unknown.agent.expect("default port");
        assert_eq!(unknown.url(agent), "http://<host>:8126");
    }
}
