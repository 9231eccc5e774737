//! The explorer UI: Leptos pages rendered here and hydrated in the browser, reading through the store.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use app::api::IntakeAddresses;
use app::backend::{Backend, BackendError, BackendFuture, ExplorerBackend, RequestHost};
use app::{App, shell};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use domain::access::{
    Caller, CreatedToken, InviteLink, InviteRequest, InviteView, ManagedUser, PasswordChange,
    SessionView, TokenRequest, TokenView, UserChange,
};
use domain::audit::{AuditPage, AuditQuery};
use domain::explorer::{
    ActivityPage, BulkStatusResult, Facets, IssueDistribution, IssueListPage, MergeResult,
    RangeQuery, RulesRefusal, StackRulesPreview, StackRulesVersion,
};
use domain::intake::{CreatedIntakeToken, IntakeTokenRequest, IntakeTokenView};
use domain::query::{
    EventPage, IssueDetail, IssuePage, IssueQuery, Search, SearchError, Status, TraceDetail,
};
use domain::source::{
    CodeMapping, CodeMappingInput, EventSource, Repository, RepositoryInput, SourceSettings,
    SuggestedOwners,
};
use domain::teamwork::{Comment, UserKey, UserRef};
use leptos::config::LeptosOptions;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};

use crate::audit::Actor;
use crate::auth::{Auth, AuthError, accounts, intake_tokens, tokens};
use crate::pipeline::{RuleSettings, RuleSettingsError};
use crate::site::Site;
use crate::source::{SettingsError, SourceService};
use crate::storage::{MergeError, Store, StoreError, TeamworkError, TimeWindow, unix_ms_now};
use crate::teamwork::{self, search::ResolveError};

/// The store, the source service for snippets and repository settings, the accounts and the stack
/// rules.
struct StoreBackend(Store, SourceService, Auth, RuleSettings);

/// Who calls the server function being answered, put in context for each request (see [`router`]).
fn actor() -> Result<Actor, BackendError> {
    use_context::<Actor>().ok_or_else(|| BackendError::Failed("no actor in context".to_owned()))
}

fn rules_error(error: RuleSettingsError) -> BackendError {
    match error {
        RuleSettingsError::Store(e) => hide(e),
        other => {
            tracing::error!(error = %other, "stack rules request failed");
            BackendError::Failed("server error".to_owned())
        }
    }
}

/// A refusal is the page's to show (`Ok(Err(…))`); anything else fails the call.
fn rules_answer<T>(
    result: Result<T, RuleSettingsError>,
) -> Result<Result<T, RulesRefusal>, BackendError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(RuleSettingsError::Refused(refusal)) => Ok(Err(refusal)),
        Err(error) => Err(rules_error(error)),
    }
}

/// Sessions count as live while used within the idle timeout.
fn idle_cutoff() -> i64 {
    unix_ms_now() - i64::try_from(crate::auth::SESSION_IDLE.as_millis()).unwrap_or(i64::MAX)
}

/// Pages get a generic message; the database's own text stays in the log.
fn hide(error: StoreError) -> BackendError {
    match error {
        StoreError::Search(e) => BackendError::Invalid(e.to_string()),
        error => {
            tracing::error!(error = %error, "explorer query failed");
            BackendError::Failed("database error".to_string())
        }
    }
}

/// A refused merge says why; the store's errors stay in the log.
fn merge_error(error: MergeError) -> BackendError {
    match error {
        MergeError::Store(e) => hide(e),
        refused => BackendError::Invalid(refused.to_string()),
    }
}

/// A refused assignment or comment says why; the store's errors stay in the log.
fn teamwork_error(error: TeamworkError) -> BackendError {
    match error {
        TeamworkError::Store(e) => hide(e),
        refused => BackendError::Invalid(refused.to_string()),
    }
}

/// Refused account changes say why; the server's own failures stay in the log.
fn account_error(error: AuthError) -> BackendError {
    match error {
        AuthError::Store(e) => hide(e),
        refused if refused.is_refusal() => BackendError::Invalid(refused.to_string()),
        error => {
            tracing::error!(%error, "account change failed");
            BackendError::Failed("server error".to_string())
        }
    }
}

/// Settings input errors are for users; the store's stay in the log.
fn settings_error(error: SettingsError) -> BackendError {
    match error {
        SettingsError::Store(e) => hide(e),
        SettingsError::NotFound => BackendError::Invalid("repository not found".to_string()),
        other => BackendError::Invalid(other.to_string()),
    }
}

/// The window of a range, as the JSON API builds it.
fn window(range: &RangeQuery) -> Result<TimeWindow, BackendError> {
    TimeWindow::new(range.from, range.to, range.buckets(), unix_ms_now())
        .map_err(|e| BackendError::Invalid(e.to_string()))
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

    fn dropped(&self) -> BackendFuture<'_, std::collections::BTreeMap<String, i64>> {
        Box::pin(async move { Ok(self.0.stats().await.map_err(hide)?.dropped) })
    }

    fn explorer_issues(
        &self,
        query: IssueQuery,
        search: Search,
        range: RangeQuery,
    ) -> BackendFuture<'_, IssueListPage> {
        Box::pin(async move {
            let window = window(&range)?;
            self.0
                .explorer_issues(&query, &search, &window)
                .await
                .map_err(hide)
        })
    }

    fn facets(&self, search: Search, range: RangeQuery) -> BackendFuture<'_, Facets> {
        Box::pin(async move {
            let window = window(&range)?;
            self.0
                .facets(&IssueQuery::default(), &search, &window)
                .await
                .map_err(hide)
        })
    }

    fn distribution(
        &self,
        id: i64,
        range: RangeQuery,
    ) -> BackendFuture<'_, Option<IssueDistribution>> {
        Box::pin(async move {
            let window = window(&range)?;
            self.0.distribution(id, &window).await.map_err(hide)
        })
    }

    fn activity(&self, id: i64) -> BackendFuture<'_, Option<ActivityPage>> {
        Box::pin(async move { self.0.activity(id).await.map_err(hide) })
    }

    fn events(&self, id: i64, limit: u32, offset: u32) -> BackendFuture<'_, EventPage> {
        Box::pin(async move { self.0.events(id, limit, offset).await.map_err(hide) })
    }

    fn set_statuses(
        &self,
        ids: Vec<i64>,
        status: Status,
        actor: String,
    ) -> BackendFuture<'_, BulkStatusResult> {
        Box::pin(async move {
            self.0
                .set_statuses(&ids, status, Some(&actor))
                .await
                .map_err(hide)
        })
    }

    fn merge(&self, into: i64, issues: Vec<i64>, actor: String) -> BackendFuture<'_, MergeResult> {
        Box::pin(async move {
            self.0
                .merge(into, &issues, Some(&actor))
                .await
                .map_err(merge_error)
        })
    }

    fn unmerge(&self, id: i64, actor: String) -> BackendFuture<'_, i64> {
        Box::pin(async move { self.0.unmerge(id, Some(&actor)).await.map_err(merge_error) })
    }

    fn resolve_search(
        &self,
        text: String,
        search: Search,
        me_email: Option<String>,
    ) -> BackendFuture<'_, Result<Search, SearchError>> {
        Box::pin(async move {
            match teamwork::search::resolve(&self.0, &text, search, me_email.as_deref()).await {
                Ok(search) => Ok(Ok(search)),
                Err(ResolveError::Search(e)) => Ok(Err(e)),
                Err(ResolveError::Store(e)) => Err(hide(e)),
            }
        })
    }

    fn assignable_users(&self) -> BackendFuture<'_, Vec<UserRef>> {
        Box::pin(async move { self.0.assignable_users().await.map_err(hide) })
    }

    fn assign(
        &self,
        caller: Caller,
        id: i64,
        user: Option<UserKey>,
    ) -> BackendFuture<'_, Option<UserRef>> {
        Box::pin(async move {
            self.0
                .assign(id, user.as_ref(), &caller.user.email)
                .await
                .map_err(teamwork_error)
        })
    }

    fn add_comment(&self, caller: Caller, id: i64, body: String) -> BackendFuture<'_, Comment> {
        Box::pin(async move {
            self.0
                .add_comment(id, caller.user.id, &body)
                .await
                .map_err(teamwork_error)
        })
    }

    fn delete_comment(&self, caller: Caller, id: i64, comment: i64) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            self.0
                .delete_comment(id, comment, teamwork::author(&caller))
                .await
                .map_err(teamwork_error)
        })
    }

    fn source_settings(&self) -> BackendFuture<'_, SourceSettings> {
        Box::pin(async move { self.1.settings().await.map_err(hide) })
    }

    fn save_repository(&self, input: RepositoryInput) -> BackendFuture<'_, Repository> {
        let actor = actor();
        Box::pin(async move {
            self.1
                .save_repository(&actor?, &input)
                .await
                .map_err(settings_error)
        })
    }

    fn delete_repository(&self, id: i64) -> BackendFuture<'_, bool> {
        let actor = actor();
        Box::pin(async move { self.1.delete_repository(&actor?, id).await.map_err(hide) })
    }

    fn save_code_mapping(&self, input: CodeMappingInput) -> BackendFuture<'_, CodeMapping> {
        Box::pin(async move {
            self.1
                .save_code_mapping(&input)
                .await
                .map_err(settings_error)
        })
    }

    fn delete_code_mapping(&self, id: i64) -> BackendFuture<'_, bool> {
        Box::pin(async move { self.1.delete_code_mapping(id).await.map_err(hide) })
    }

    fn event_source(&self, event_id: i64, context: u32) -> BackendFuture<'_, Option<EventSource>> {
        Box::pin(async move { self.1.event_source(event_id, context).await.map_err(hide) })
    }

    fn suggested_owners(&self, issue_id: i64) -> BackendFuture<'_, Option<SuggestedOwners>> {
        Box::pin(async move { self.1.suggested_owners(issue_id).await.map_err(hide) })
    }

    fn sessions(&self, user_id: i64, current: Option<i64>) -> BackendFuture<'_, Vec<SessionView>> {
        Box::pin(async move {
            self.0
                .user_sessions(user_id, idle_cutoff(), current)
                .await
                .map_err(hide)
        })
    }

    fn end_session(&self, user_id: i64, id: i64) -> BackendFuture<'_, bool> {
        Box::pin(async move { self.0.end_user_session(user_id, id).await.map_err(hide) })
    }

    fn change_password(&self, caller: Caller, change: PasswordChange) -> BackendFuture<'_, ()> {
        let actor = actor();
        Box::pin(async move {
            accounts::change_password(&self.0, &caller, &actor?, change)
                .await
                .map_err(account_error)
        })
    }

    fn tokens(&self, caller: Caller) -> BackendFuture<'_, Vec<TokenView>> {
        Box::pin(async move {
            tokens::own_tokens(&self.0, &caller)
                .await
                .map_err(account_error)
        })
    }

    fn create_token(
        &self,
        caller: Caller,
        request: TokenRequest,
    ) -> BackendFuture<'_, CreatedToken> {
        let actor = actor();
        Box::pin(async move {
            tokens::create_own_token(&self.0, &caller, &actor?, &request)
                .await
                .map_err(account_error)
        })
    }

    fn revoke_token(&self, caller: Caller, id: i64) -> BackendFuture<'_, ()> {
        let actor = actor();
        Box::pin(async move {
            tokens::revoke_own_token(&self.0, &caller, &actor?, id)
                .await
                .map_err(account_error)
        })
    }

    fn users(&self) -> BackendFuture<'_, Vec<ManagedUser>> {
        Box::pin(async move { accounts::users(&self.0).await.map_err(account_error) })
    }

    fn update_user(&self, id: i64, change: UserChange) -> BackendFuture<'_, ManagedUser> {
        let actor = actor();
        Box::pin(async move {
            accounts::update_user(&self.0, &actor?, id, change)
                .await
                .map_err(account_error)
        })
    }

    fn invites(&self) -> BackendFuture<'_, Vec<InviteView>> {
        Box::pin(async move { accounts::invites(&self.0).await.map_err(account_error) })
    }

    fn create_invite(
        &self,
        caller: Caller,
        request: InviteRequest,
        host: Option<String>,
    ) -> BackendFuture<'_, InviteLink> {
        let actor = actor();
        Box::pin(async move {
            let base = self.2.base_url(host.as_deref());
            accounts::create_invite(&self.0, &caller, &actor?, &request, &base)
                .await
                .map_err(account_error)
        })
    }

    fn delete_invite(&self, id: i64) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            accounts::delete_invite(&self.0, id)
                .await
                .map_err(account_error)
        })
    }

    fn single_sign_on(&self) -> Option<String> {
        self.2.oidc().map(|oidc| oidc.label().to_owned())
    }

    fn intake_tokens(&self) -> BackendFuture<'_, Vec<IntakeTokenView>> {
        Box::pin(async move { intake_tokens::list(&self.0).await.map_err(account_error) })
    }

    fn create_intake_token(
        &self,
        caller: Caller,
        request: IntakeTokenRequest,
    ) -> BackendFuture<'_, CreatedIntakeToken> {
        let actor = actor();
        Box::pin(async move {
            let created =
                intake_tokens::create(&self.0, &actor?, &request.name, Some(caller.user.id))
                    .await
                    .map_err(account_error)?;
            tracing::info!(
                admin = caller.user.id,
                id = created.id,
                "intake token created"
            );
            Ok(created)
        })
    }

    fn revoke_intake_token(&self, id: i64) -> BackendFuture<'_, ()> {
        let actor = actor();
        Box::pin(async move {
            intake_tokens::revoke(&self.0, &actor?, id)
                .await
                .map_err(account_error)
        })
    }

    fn audit_log(&self, query: AuditQuery) -> BackendFuture<'_, AuditPage> {
        Box::pin(async move { self.0.audit_log(&query).await.map_err(hide) })
    }

    fn stack_rules(&self) -> BackendFuture<'_, Vec<StackRulesVersion>> {
        Box::pin(async move { self.3.current().await.map_err(hide) })
    }

    fn stack_rules_history(&self, service: String) -> BackendFuture<'_, Vec<StackRulesVersion>> {
        Box::pin(async move { self.3.history(&service).await.map_err(hide) })
    }

    fn preview_stack_rules(
        &self,
        service: String,
        rules: String,
    ) -> BackendFuture<'_, Result<StackRulesPreview, RulesRefusal>> {
        Box::pin(async move { rules_answer(self.3.preview(&service, &rules).await) })
    }

    fn save_stack_rules(
        &self,
        service: String,
        rules: String,
        based_on: i64,
    ) -> BackendFuture<'_, Result<i64, RulesRefusal>> {
        let actor = actor();
        Box::pin(async move {
            let saved = self.3.save(&actor?, &service, &rules, Some(based_on)).await;
            rules_answer(saved)
        })
    }
}

/// The intake ports (`None` when `off`), shown to a new install as where to send traces.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntakeListen {
    pub agent: Option<SocketAddr>,
    pub otlp: Option<SocketAddr>,
}

/// The app's pages, generated once per process: generating them sets a process-wide flag under
/// which a resource first polled meanwhile, on any thread, waits forever (leptos-rs/leptos#4773), so
/// an app built while another one in the same process renders a page (tests do) would hang it.
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

pub fn router(
    store: Store,
    site: &Site,
    addr: SocketAddr,
    intake: IntakeListen,
    source: SourceService,
    auth: Auth,
    rules: RuleSettings,
) -> Router {
    let site_root = match site {
        Site::Disk(root) => root.to_string_lossy().into_owned(),
        // Nothing is read from disk; a name no directory has keeps it so.
        Site::Embedded(_) => String::from("/nonexistent/stackprint-site"),
    };
    let options = LeptosOptions::builder()
        .output_name("stackprint")
        .site_root(site_root)
        .site_pkg_dir(site.pkg_dir())
        .site_addr(addr)
        .build();
    let backend = Backend(Arc::new(StoreBackend(store, source, auth, rules)));
    let routes = route_list();
    Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(backend.clone());
                let parts = use_context::<Parts>();
                // Who the access layer found; pages and server functions act as them.
                if let Some(parts) = &parts {
                    if let Some(caller) = parts.extensions.get::<Caller>() {
                        provide_context(caller.clone());
                    }
                    // What the backend audits changes as.
                    provide_context(Actor::of(parts));
                }
                // The host the browser used, from the request leptos_axum put in context.
                let host = parts.and_then(|parts| {
                    let host = parts.headers.get(header::HOST)?;
                    host.to_str().ok().map(str::to_owned)
                });
                provide_context(IntakeAddresses::new(
                    host.as_deref(),
                    addr,
                    intake.agent,
                    intake.otlp,
                ));
                provide_context(RequestHost(host));
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback({
            let site = site.clone();
            move |state: State<LeptosOptions>, request: Request| {
                site_fallback(site.clone(), state, request)
            }
        })
        .with_state(options)
}

/// Unrouted requests: a file of the site, else the "not found" page (rendered the same either way).
async fn site_fallback(site: Site, state: State<LeptosOptions>, request: Request) -> Response {
    let bundle = match site {
        Site::Disk(_) => {
            let uri = request.uri().clone();
            return leptos_axum::file_and_error_handler(shell)(uri, state, request).await;
        }
        Site::Embedded(bundle) => bundle,
    };
    let State(options) = state;
    if let Some(response) =
        bundle.respond(request.method(), request.uri().path(), request.headers())
    {
        return response;
    }
    let render = leptos_axum::render_app_to_stream_with_context(
        {
            let options = options.clone();
            move || provide_context(options.clone())
        },
        move || shell(options.clone()),
    );
    let mut response = render(request).await;
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
