//! `/issues/:id`: one issue. Its header with the status and assignee controls (members and admins);
//! the distribution of its events over
//! the chosen range (`?range=`) with breakdowns; one of its events (`?event=N`, 0 the latest) with
//! its stack, tags and trace; its triage timeline; and why its events grouped.

use domain::explorer::ActivityKind;
use domain::query::{FacetKey, IssueDetail, IssueSummary, Status};
use domain::teamwork::UserRef;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::issue_event::EventSection;
use super::not_found::{NotFoundNotice, mark_not_found};
use crate::account_api::me;
use crate::api::{Snapshot, activity, distribution, issue, unmerge_form_action};
use crate::components::{
    ActivityTimeline, Ago, AssigneeControl, BarChart, Breakdowns, CommentForm, ErrorNotice,
    FingerprintTree, IssueRights, Loading, RangePicker, StatusBadge, StatusControl,
    SuggestedOwners,
};
use crate::teamwork_api::assignees;
use crate::terms::toggle_facet;
use crate::url::{IssueState, search_href};

#[component]
pub fn IssueDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get_str("id").and_then(|id| id.parse::<i64>().ok())));
    let state = Memo::new(move |_| query.with(IssueState::from_params));
    // Blocking, so the server knows the title and the status (404) before it sends the response head.
    let detail = Resource::new_blocking(
        move || id.get(),
        |id| async move {
            let found = match id {
                Some(id) => {
                    let Snapshot { now, data } = issue(id).await?;
                    data.map(|data| Snapshot { now, data })
                }
                None => None,
            };
            if found.is_none() {
                mark_not_found();
            }
            Ok::<_, ServerFnError>(found)
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(snapshot)) => view! { <IssueView snapshot state /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <NotFoundNotice
                                title="Issue not found"
                                detail="No issue has this id. It may have been deleted."
                            />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IssueView(snapshot: Snapshot<IssueDetail>, state: Memo<IssueState>) -> impl IntoView {
    let Snapshot { now, data: detail } = snapshot;
    let IssueDetail {
        issue,
        grouping_version,
        fingerprint_tree,
        merged_into,
        latest_event: _,
    } = detail;
    let id = issue.id;
    let merged = merged_into.map(|into| view! { <MergedNote id into /> });
    let status = RwSignal::new(issue.status);
    let assignee = RwSignal::new(issue.assignee.clone());
    let timeline = Resource::new(move || id, activity);
    let changed = Callback::new(move |()| timeline.refetch());
    // Who may do what, and whom to assign (asked only for those who may: it lists every user).
    let team = Resource::new(
        || (),
        |()| async {
            let rights = match me().await {
                Ok(signed_in) => IssueRights::of(signed_in),
                Err(_) => IssueRights::read_only(),
            };
            let users = if rights.triage {
                assignees().await?
            } else {
                Vec::new()
            };
            Ok::<_, ServerFnError>((rights, users))
        },
    );
    let rights = move || async move {
        team.await
            .map_or_else(|_| IssueRights::read_only(), |(rights, _)| rights)
    };
    let controls = move || {
        Suspend::new(async move {
            match team.await {
                Ok((rights, users)) if rights.triage => Some(
                    view! {
                        <StatusControl id status changed />
                        <AssigneeControl id assignee users me=rights.user changed />
                    }
                    .into_any(),
                ),
                Ok(_) => None,
                Err(error) => Some(view! { <ErrorNotice error /> }.into_any()),
            }
        })
    };
    let comment_form = move || {
        Suspend::new(async move {
            rights()
                .await
                .triage
                .then(|| view! { <CommentForm id changed /> })
        })
    };
    let spread = Resource::new(
        move || (id, state.get().range),
        |(id, range)| distribution(id, range),
    );
    let service = issue.service.clone();
    let (first_seen, first_version) = (issue.first_seen, issue.first_version.clone());

    let picker = move || {
        let current = state.get();
        let href = Callback::new(move |range| IssueState { range, ..current }.href(id));
        let hidden = (current.event > 0)
            .then(|| ("event", current.event.to_string()))
            .into_iter()
            .collect();
        view! { <RangePicker current=current.range href action=format!("/issues/{id}") hidden /> }
    };
    let regressed = move || {
        Suspend::new(async move {
            let last = timeline.await.ok().and_then(|s| s.data).and_then(|a| {
                a.activity
                    .into_iter()
                    .rev()
                    .find(|a| !matches!(a.kind, ActivityKind::Assign | ActivityKind::Unassign))
            });
            // Any later status change would be listed after the regression; assignments keep it.
            last.filter(|a| a.kind == ActivityKind::Regression)
                .map(|_| {
                    view! {
                        <span class="badge regressed" title="Seen again in a newer version after it was resolved">
                            "Regressed"
                        </span>
                    }
                })
        })
    };
    view! {
        <Title text=format!("{}: {}", issue.error_type, issue.message) />
        <article class="page issue-detail">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/">"Issues"</a>
            </nav>
            <IssueHeader issue now status assignee>
                <Transition fallback=|| ()>{regressed}</Transition>
            </IssueHeader>
            <Transition fallback=|| ()>{controls}</Transition>
            {merged}
            <div class="issue-columns">
                <div class="issue-main">
                    <section class="distribution" aria-labelledby="distribution">
                        <div class="section-head">
                            <h2 id="distribution">"Events over time"</h2>
                            {picker}
                        </div>
                        <Transition fallback=Loading>
                            {move || {
                                let service = service.clone();
                                Suspend::new(async move {
                                match spread.await {
                                    Ok(Some(d)) => {
                                        view! {
                                            <BarChart buckets=d.buckets.clone() counts=d.counts.clone() bucket_ms=d.bucket_ms />
                                            <Breakdowns distribution=d service />
                                        }
                                            .into_any()
                                    }
                                    Ok(None) => view! { <p class="muted">"This issue no longer exists."</p> }.into_any(),
                                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                                }
                                })
                            }}
                        </Transition>
                    </section>
                    <EventSection id state />
                    <section aria-labelledby="why-grouped">
                        <h2 id="why-grouped">"Why these events grouped"</h2>
                        <p class="muted">
                            "Grouping config " <code>{grouping_version}</code>
                            ". Only contributing components make up the fingerprint; events with the same fingerprint are one issue."
                        </p>
                        <FingerprintTree root=fingerprint_tree />
                    </section>
                </div>
                <aside class="issue-side" aria-labelledby="activity">
                    <SuggestedOwners issue_id=id />
                    <h2 id="activity">"Activity"</h2>
                    <Transition fallback=Loading>
                        {move || {
                            let first_version = first_version.clone();
                            Suspend::new(async move {
                                let rights = rights().await;
                                match timeline.await {
                                    Ok(Snapshot { now, data: Some(page) }) => {
                                        view! { <ActivityTimeline page first_seen first_version now rights changed /> }
                                            .into_any()
                                    }
                                    Ok(Snapshot { data: None, .. }) => {
                                        view! { <p class="muted">"This issue no longer exists."</p> }.into_any()
                                    }
                                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                                }
                            })
                        }}
                    </Transition>
                    <Transition fallback=|| ()>{comment_form}</Transition>
                </aside>
            </div>
        </article>
    }
    .into_any()
}

#[component]
fn IssueHeader(
    issue: IssueSummary,
    now: i64,
    status: RwSignal<Status>,
    assignee: RwSignal<Option<UserRef>>,
    children: Children,
) -> impl IntoView {
    let in_version = |version: Option<String>| version.map(|v| view! { " in " <code>{v}</code> });
    let service_href = search_href(&toggle_facet("", FacetKey::Service, &issue.service, false));
    let env = (!issue.env.is_empty()).then(|| {
        let href = search_href(&toggle_facet("", FacetKey::Env, &issue.env, false));
        view! {
            <dt>"Environment"</dt>
            <dd>
                <a href=href>{issue.env.clone()}</a>
            </dd>
        }
    });
    view! {
        <header class="issue-header">
            <h1>
                <span class="error-type">{issue.error_type}</span>
                <span class="message">{issue.message}</span>
            </h1>
            {issue.culprit.map(|culprit| view! { <code class="culprit">{culprit}</code> })}
            <dl class="facts">
                <dt>"Service"</dt>
                <dd>
                    <a href=service_href>{issue.service}</a>
                </dd>
                {env}
                <dt>"Status"</dt>
                <dd class="status-fact">
                    {move || view! { <StatusBadge status=status.get() /> }}
                    " "
                    {children()}
                </dd>
                <dt>"Assignee"</dt>
                <dd class="assignee-fact">
                    {move || {
                        assignee
                            .get()
                            .map_or_else(|| "Nobody".to_owned(), |user| user.name().to_owned())
                    }}
                </dd>
                <dt>"Events"</dt>
                <dd>{issue.count}</dd>
                <dt>"First seen"</dt>
                <dd>
                    <Ago at=issue.first_seen now />
                    {in_version(issue.first_version)}
                </dd>
                <dt>"Last seen"</dt>
                <dd>
                    <Ago at=issue.last_seen now />
                    {in_version(issue.last_version)}
                </dd>
            </dl>
        </header>
    }
    .into_any()
}

/// On a merged issue's page: where its events are now, and a form to undo the merge (a plain post,
/// answered with a redirect back here, with or without the WASM).
#[component]
fn MergedNote(id: i64, into: i64) -> impl IntoView {
    view! {
        <form class="merged-note" method="post" action=unmerge_form_action() role="note">
            "This issue was merged into "
            <a href=format!("/issues/{into}")>{format!("#{into}")}</a>
            ": its events, and later ones, are counted there. "
            <input type="hidden" name="id" value=id />
            <button type="submit" class="secondary">"Unmerge"</button>
        </form>
    }
}
