//! `/`: the explorer. Its view lives in the URL (`crate::url::ListState`): the search, the time range,
//! the sort and the page. The search bar, range links, sort links, facets and pager all work as plain
//! links and GET forms before the WASM loads; once hydrated they navigate in place, the search is
//! highlighted as it is typed, and the keyboard works: `/` focuses the search, `j`/`k` move through
//! the rows, `Enter` opens the row, `x` selects it for a bulk status change.

use domain::query::parse_search;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::issue_rows::{BulkBar, ListSelection, Results, SortLinks};
use crate::account_api::me;
use crate::api::{ExplorerPage, Snapshot, explorer_facets, explorer_issues, intake_dropped};
use crate::components::{ErrorNotice, FacetPanel, IssueRights, Loading, RangePicker, SearchBar};
use crate::url::ListState;

/// A warning above the list when intake refused requests, so nobody loses errors silently: how many
/// and why, from `GET /api/v1/stats`'s `dropped`.
#[component]
fn IntakeDrops() -> impl IntoView {
    let dropped = Resource::new(|| (), |()| intake_dropped());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let dropped = dropped.await.unwrap_or_default();
                let total: i64 = dropped.values().sum();
                (total > 0).then(|| {
                    let reasons = dropped
                        .iter()
                        .map(|(reason, count)| {
                            let label = domain::intake::DropReason::parse(reason)
                                .map_or(reason.as_str(), |r| r.label());
                            format!("{count} {label}")
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <p class="notice warning" role="status">
                            {format!("Intake refused {total} requests: {reasons}.")}
                        </p>
                    }
                })
            })}
        </Transition>
    }
}

type IssuesResource = Resource<Result<Option<Snapshot<ExplorerPage>>, ServerFnError>>;

#[component]
pub fn IssueListPage() -> impl IntoView {
    let params = use_query_map();
    let state = Memo::new(move |_| params.with(ListState::from_params));
    // A search that does not parse is not sent: the bar shows what is wrong with it. Not blocking:
    // pages stream in order, so the head (styles, the WASM preload) goes out at once and the rows and
    // facets still arrive in place, which keeps the list working without JavaScript.
    let issues: IssuesResource = Resource::new(
        move || state.get(),
        |state| async move {
            if parse_search(&state.search).is_err() {
                return Ok(None);
            }
            explorer_issues(state).await.map(Some)
        },
    );
    let facet_query = Memo::new(move |_| state.with(|s| (s.search.clone(), s.range)));
    let facets = Resource::new(
        move || facet_query.get(),
        |(search, range)| async move {
            if parse_search(&search).is_err() {
                return Ok(None);
            }
            explorer_facets(search, range).await.map(Some)
        },
    );
    // Viewers get no bulk triage: neither the bar nor the rows' checkboxes (the server refuses it).
    let signed_in = Resource::new(|| (), |()| me());
    let triage = move || async move {
        signed_in
            .await
            .map_or_else(|_| IssueRights::read_only(), IssueRights::of)
            .triage
    };
    let selection = ListSelection::new();
    Effect::watch(move || state.get(), move |_, _, _| selection.clear(), false);
    let refresh = Callback::new(move |()| {
        issues.refetch();
        facets.refetch();
    });

    let search_input = NodeRef::<html::Input>::new();
    keyboard_shortcuts(issues, selection, search_input);

    let search = Signal::derive(move || state.with(|s| s.search.clone()));
    let hidden = Signal::derive(move || {
        state.with(|s| {
            let mut kept = s.range.params();
            if s.sort != Default::default() {
                kept.push(("sort", s.sort.as_str().to_owned()));
            }
            kept
        })
    });
    let search_href =
        Callback::new(move |text: String| state.with_untracked(|s| s.with_search(text).href()));
    let range_href =
        Callback::new(move |range| state.with_untracked(|s| s.with_range(range).href()));
    let picker = move || {
        let s = state.get();
        let mut hidden = Vec::new();
        if !s.search.is_empty() {
            hidden.push(("search", s.search.clone()));
        }
        if s.sort != Default::default() {
            hidden.push(("sort", s.sort.as_str().to_owned()));
        }
        view! { <RangePicker current=s.range href=range_href action="/".to_owned() hidden /> }
    };
    view! {
        <Title text="Issues" />
        <section class="page explorer">
            <div class="explorer-head">
                <h1>"Issues"</h1>
                {picker}
            </div>
            <IntakeDrops />
            <SearchBar search hidden href=search_href input_ref=search_input />
            <div class="explorer-body">
                <aside class="facet-panel" aria-label="Facets">
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move {
                            let shown = state.get_untracked();
                            match facets.await {
                                Ok(Some(facets)) => view! { <FacetPanel state=shown facets /> }.into_any(),
                                Ok(None) => ().into_any(),
                                Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            }
                        })}
                    </Transition>
                </aside>
                <div class="explorer-results">
                    <div class="results-bar">
                        {move || view! { <SortLinks state=state.get() /> }}
                        <Transition>
                            {move || Suspend::new(async move {
                                triage().await.then(|| view! { <BulkBar selection refresh /> })
                            })}
                        </Transition>
                    </div>
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move {
                            let shown = state.get_untracked();
                            let triage = triage().await;
                            match issues.await {
                                Ok(Some(snapshot)) => {
                                    view! { <Results state=shown snapshot selection triage /> }
                                        .into_any()
                                }
                                Ok(None) => {
                                    view! {
                                        <p class="notice">"Fix the search above to see issues."</p>
                                    }
                                        .into_any()
                                }
                                Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </div>
        </section>
    }
}

/// The ids of the rows shown, in order.
fn row_ids(issues: IssuesResource) -> Vec<i64> {
    issues
        .get_untracked()
        .and_then(|r| r.ok().flatten())
        .map(|snapshot| {
            snapshot
                .data
                .list
                .issues
                .iter()
                .map(|row| row.summary.id)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether typing in `target` goes to a field (so letters are not shortcuts there).
fn is_typing_target(target: &web_sys::Element) -> bool {
    match target.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => true,
        "INPUT" => !matches!(
            target.get_attribute("type").as_deref(),
            Some("checkbox" | "radio" | "button" | "submit")
        ),
        _ => target.has_attribute("contenteditable"),
    }
}

fn focus_row(index: usize) {
    let row = document()
        .get_element_by_id(&format!("issue-row-{index}"))
        .and_then(|row| row.query_selector("a.issue-link").ok().flatten())
        .and_then(|link| link.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(link) = row {
        let _ = link.focus();
    }
}

fn keyboard_shortcuts(
    issues: IssuesResource,
    selection: ListSelection,
    search_input: NodeRef<html::Input>,
) {
    let navigate = use_navigate();
    // Effects run only in the browser.
    Effect::new(move |_| {
        let navigate = navigate.clone();
        let handle = window_event_listener(ev::keydown, move |ev: ev::KeyboardEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
                return;
            }
            let Some(target) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            if is_typing_target(&target) {
                if ev.key() == "Escape" && target.id() == "explorer-search" {
                    let _ = target.dyn_into::<web_sys::HtmlElement>().map(|e| e.blur());
                }
                return;
            }
            let ids = row_ids(issues);
            let cursor = selection.cursor.get_untracked();
            match ev.key().as_str() {
                "/" => {
                    ev.prevent_default();
                    if let Some(input) = search_input.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                }
                "j" | "k" if !ids.is_empty() => {
                    let next = match (ev.key().as_str(), cursor) {
                        ("j", None) => 0,
                        (_, None) => ids.len() - 1,
                        ("j", Some(i)) => (i + 1).min(ids.len() - 1),
                        (_, Some(i)) => i.saturating_sub(1),
                    };
                    ev.prevent_default();
                    selection.cursor.set(Some(next));
                    focus_row(next);
                }
                "x" => {
                    if let Some(id) = cursor.and_then(|i| ids.get(i)) {
                        ev.prevent_default();
                        selection.toggle(*id);
                    }
                }
                "Enter" if target.tag_name() != "A" && target.tag_name() != "BUTTON" => {
                    if let Some(id) = cursor.and_then(|i| ids.get(i)) {
                        ev.prevent_default();
                        navigate(&format!("/issues/{id}"), NavigateOptions::default());
                    }
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    });
}
