//! The data source of the pages, provided by the server in Leptos context. Server-only.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// Why a backend call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// The request cannot be answered as asked (a time range out of bounds); the text is for users.
    Invalid(String),
    /// Anything else; logged by the server function, never shown to users.
    Failed(String),
}

impl From<String> for BackendError {
    fn from(reason: String) -> Self {
        Self::Failed(reason)
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(reason) | Self::Failed(reason) => f.write_str(reason),
        }
    }
}

/// A boxed, sendable future of a backend call.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

fn unsupported<'a, T: Send + 'a>(what: &str) -> BackendFuture<'a, T> {
    let reason = format!("this backend does not support {what}");
    Box::pin(async move { Err(BackendError::Failed(reason)) })
}

/// What the pages read and change. The explorer methods have defaults that fail, so test fakes
/// implement only what their pages use.
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

    /// Intake refusals by reason (see [`domain::intake::DropReason`]); backends without intake (test
    /// fakes) report none.
    fn dropped(&self) -> BackendFuture<'_, std::collections::BTreeMap<String, i64>> {
        Box::pin(async { Ok(std::collections::BTreeMap::new()) })
    }

    /// One page of the explorer: `query`'s sort and paging, `search` (already parsed) and the counts
    /// and trends over `range`.
    fn explorer_issues(
        &self,
        query: IssueQuery,
        search: Search,
        range: RangeQuery,
    ) -> BackendFuture<'_, IssueListPage> {
        let _ = (query, search, range);
        unsupported("the explorer list")
    }

    /// Issue counts per facet value for what [`ExplorerBackend::explorer_issues`] lists.
    fn facets(&self, search: Search, range: RangeQuery) -> BackendFuture<'_, Facets> {
        let _ = (search, range);
        unsupported("facets")
    }

    /// An issue's events over `range`; `Ok(None)` for an unknown issue.
    fn distribution(
        &self,
        id: i64,
        range: RangeQuery,
    ) -> BackendFuture<'_, Option<IssueDistribution>> {
        let _ = (id, range);
        unsupported("distributions")
    }

    /// An issue's triage timeline, oldest first; `Ok(None)` for an unknown issue.
    fn activity(&self, id: i64) -> BackendFuture<'_, Option<ActivityPage>> {
        let _ = id;
        unsupported("activity")
    }

    /// An issue's events, newest first.
    fn events(&self, id: i64, limit: u32, offset: u32) -> BackendFuture<'_, EventPage> {
        let _ = (id, limit, offset);
        unsupported("event paging")
    }

    /// Sets the status of issues, recorded with `actor`.
    fn set_statuses(
        &self,
        ids: Vec<i64>,
        status: Status,
        actor: String,
    ) -> BackendFuture<'_, BulkStatusResult> {
        let _ = (ids, status, actor);
        unsupported("status changes")
    }

    /// Merges `issues` into `into`, recorded with `actor`; a refused merge is `Invalid` with why.
    fn merge(&self, into: i64, issues: Vec<i64>, actor: String) -> BackendFuture<'_, MergeResult> {
        let _ = (into, issues, actor);
        unsupported("merging issues")
    }

    /// Undoes the merge of issue `id`, recorded with `actor`; returns the issue it was merged into.
    fn unmerge(&self, id: i64, actor: String) -> BackendFuture<'_, i64> {
        let _ = (id, actor);
        unsupported("unmerging issues")
    }

    /// `search` (parsed from `text`) with its `assignee:` terms resolved: `me` as `me_email`, and
    /// an email no user has refused (the inner error, pointing at its term). Backends without users
    /// (test fakes) keep the search as it is.
    fn resolve_search(
        &self,
        text: String,
        search: Search,
        me_email: Option<String>,
    ) -> BackendFuture<'_, Result<Search, SearchError>> {
        let _ = (text, me_email);
        Box::pin(async move { Ok(Ok(search)) })
    }

    /// Enabled users, whom issues can be assigned to; backends without users (test fakes) have
    /// none.
    fn assignable_users(&self) -> BackendFuture<'_, Vec<UserRef>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Assigns issue `id` to `user` (`None`: nobody) as `caller`; returns the assignee. An unknown
    /// or disabled user is `Invalid`.
    fn assign(
        &self,
        caller: Caller,
        id: i64,
        user: Option<UserKey>,
    ) -> BackendFuture<'_, Option<UserRef>> {
        let _ = (caller, id, user);
        unsupported("assignment")
    }

    /// A comment by `caller` on issue `id`; an empty or too long body is `Invalid`.
    fn add_comment(&self, caller: Caller, id: i64, body: String) -> BackendFuture<'_, Comment> {
        let _ = (caller, id, body);
        unsupported("comments")
    }

    /// Deletes a comment of issue `id`: the caller's own, or anyone's for an admin.
    fn delete_comment(&self, caller: Caller, id: i64, comment: i64) -> BackendFuture<'_, ()> {
        let _ = (caller, id, comment);
        unsupported("comments")
    }

    /// Linked repositories, code mappings and repositories seen in span tags. Never credentials.
    fn source_settings(&self) -> BackendFuture<'_, SourceSettings> {
        unsupported("source settings")
    }

    /// Links a repository, or updates one (`input.id`). Invalid input is `BackendError::Invalid`.
    fn save_repository(&self, input: RepositoryInput) -> BackendFuture<'_, Repository> {
        let _ = input;
        unsupported("linking repositories")
    }

    /// Unlinks a repository with its mappings; `Ok(false)` for an unknown id.
    fn delete_repository(&self, id: i64) -> BackendFuture<'_, bool> {
        let _ = id;
        unsupported("unlinking repositories")
    }

    fn save_code_mapping(&self, input: CodeMappingInput) -> BackendFuture<'_, CodeMapping> {
        let _ = input;
        unsupported("code mappings")
    }

    /// `Ok(false)` for an unknown id.
    fn delete_code_mapping(&self, id: i64) -> BackendFuture<'_, bool> {
        let _ = id;
        unsupported("code mappings")
    }

    /// A user's live browser sessions, newest first; `current` marks the one with that id.
    fn sessions(&self, user_id: i64, current: Option<i64>) -> BackendFuture<'_, Vec<SessionView>> {
        let _ = (user_id, current);
        unsupported("sessions")
    }

    /// Ends one of a user's sessions; `Ok(false)` when they have none with that id.
    fn end_session(&self, user_id: i64, id: i64) -> BackendFuture<'_, bool> {
        let _ = (user_id, id);
        unsupported("sessions")
    }

    /// Changes the caller's password (the current one checked) and ends their other sessions.
    fn change_password(&self, caller: Caller, change: PasswordChange) -> BackendFuture<'_, ()> {
        let _ = (caller, change);
        unsupported("passwords")
    }

    /// The caller's API tokens, newest first, revoked ones included.
    fn tokens(&self, caller: Caller) -> BackendFuture<'_, Vec<TokenView>> {
        let _ = caller;
        unsupported("API tokens")
    }

    /// A new API token of the caller's, returned once; its role is at most the caller's.
    fn create_token(
        &self,
        caller: Caller,
        request: TokenRequest,
    ) -> BackendFuture<'_, CreatedToken> {
        let _ = (caller, request);
        unsupported("API tokens")
    }

    /// Revokes one of the caller's tokens.
    fn revoke_token(&self, caller: Caller, id: i64) -> BackendFuture<'_, ()> {
        let _ = (caller, id);
        unsupported("API tokens")
    }

    /// Every user (admins).
    fn users(&self) -> BackendFuture<'_, Vec<ManagedUser>> {
        unsupported("users")
    }

    /// Changes a user's role or disabled flag; refused (`Invalid`) for the last enabled admin.
    fn update_user(&self, id: i64, change: UserChange) -> BackendFuture<'_, ManagedUser> {
        let _ = (id, change);
        unsupported("users")
    }

    /// Pending invitations, newest first.
    fn invites(&self) -> BackendFuture<'_, Vec<InviteView>> {
        unsupported("invitations")
    }

    /// A new invitation by `caller`; its link (shown once) uses the public URL, else `host`.
    fn create_invite(
        &self,
        caller: Caller,
        request: InviteRequest,
        host: Option<String>,
    ) -> BackendFuture<'_, InviteLink> {
        let _ = (caller, request, host);
        unsupported("invitations")
    }

    fn delete_invite(&self, id: i64) -> BackendFuture<'_, ()> {
        let _ = id;
        unsupported("invitations")
    }

    /// The name of the single sign-on provider the sign-in page offers, when one is configured.
    fn single_sign_on(&self) -> Option<String> {
        None
    }

    /// Every intake token, newest first, revoked ones included (admins).
    fn intake_tokens(&self) -> BackendFuture<'_, Vec<IntakeTokenView>> {
        unsupported("intake tokens")
    }

    /// A new intake token made by `caller`, returned once.
    fn create_intake_token(
        &self,
        caller: Caller,
        request: IntakeTokenRequest,
    ) -> BackendFuture<'_, CreatedIntakeToken> {
        let _ = (caller, request);
        unsupported("intake tokens")
    }

    fn revoke_intake_token(&self, id: i64) -> BackendFuture<'_, ()> {
        let _ = id;
        unsupported("intake tokens")
    }

    /// One page of the audit log, newest first (admins).
    fn audit_log(&self, query: AuditQuery) -> BackendFuture<'_, AuditPage> {
        let _ = query;
        unsupported("the audit log")
    }

    /// The stack rules in force, per service that has some.
    fn stack_rules(&self) -> BackendFuture<'_, Vec<StackRulesVersion>> {
        unsupported("stack rules")
    }

    /// Every saved version of `service`'s rules, newest first.
    fn stack_rules_history(&self, service: String) -> BackendFuture<'_, Vec<StackRulesVersion>> {
        let _ = service;
        unsupported("stack rules")
    }

    /// What `rules` would merge and split among `service`'s latest events; `Ok(Err(…))` when they
    /// do not parse.
    fn preview_stack_rules(
        &self,
        service: String,
        rules: String,
    ) -> BackendFuture<'_, Result<StackRulesPreview, RulesRefusal>> {
        let _ = (service, rules);
        unsupported("stack rules")
    }

    /// Saves `rules` as `service`'s next version if `based_on` is still its newest (0: none yet);
    /// the new version, or `Ok(Err(…))` with why not (faulty lines, saved meanwhile).
    fn save_stack_rules(
        &self,
        service: String,
        rules: String,
        based_on: i64,
    ) -> BackendFuture<'_, Result<i64, RulesRefusal>> {
        let _ = (service, rules, based_on);
        unsupported("stack rules")
    }

    /// Code snippets for the in-app frames of an event, `context` lines either side of each frame's
    /// line; `Ok(None)` for an unknown event. GitHub failures are per-frame notes, not errors.
    fn event_source(&self, event_id: i64, context: u32) -> BackendFuture<'_, Option<EventSource>> {
        let _ = (event_id, context);
        unsupported("source code")
    }

    /// The issue's suggested owners from `CODEOWNERS`; `Ok(None)` for an issue without events.
    fn suggested_owners(&self, issue_id: i64) -> BackendFuture<'_, Option<SuggestedOwners>> {
        let _ = issue_id;
        unsupported("suggested owners")
    }
}

/// The `Host` the request came to, which the server puts in context: links made for others
/// (invitations) use it when no public URL is configured.
#[derive(Debug, Clone, Default)]
pub struct RequestHost(pub Option<String>);

/// What the server puts in context: `provide_context(Backend(Arc::new(store)))`.
#[derive(Clone)]
pub struct Backend(pub Arc<dyn ExplorerBackend>);
