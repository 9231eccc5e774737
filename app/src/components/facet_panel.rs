//! The explorer's facet panel: for the current search and range, how many issues have each service,
//! env, version, error type, status and host. A value is a link that adds `key:value` to the search
//! (or takes it out again); alt- or shift-click, or the ⊖ link, adds `-key:value` instead. Links work
//! before hydration; the modifier clicks need it.

use domain::explorer::{FacetValue, Facets};
use domain::query::{FacetKey, Status};
use leptos::ev;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use super::status::status_label;
use crate::terms::{term_state, toggle_facet};
use crate::url::ListState;

#[component]
pub fn FacetPanel(state: ListState, facets: Facets) -> impl IntoView {
    let Facets {
        service,
        env,
        version,
        error_type,
        status,
        host,
    } = facets;
    let groups = [
        ("Service", FacetKey::Service, service),
        ("Environment", FacetKey::Env, env),
        ("Version", FacetKey::Version, version),
        ("Error type", FacetKey::Type, error_type),
        ("Status", FacetKey::Status, status),
        ("Host", FacetKey::Host, host),
    ];
    groups
        .into_iter()
        .map(|(title, key, values)| view! { <FacetGroup title key values state=state.clone() /> })
        .collect_view()
}

#[component]
fn FacetGroup(
    title: &'static str,
    key: FacetKey,
    values: Vec<FacetValue>,
    state: ListState,
) -> impl IntoView {
    let id = format!("facet-{}", key.as_str());
    let labelledby = id.clone();
    let body = if values.is_empty() {
        view! { <p class="muted facet-none">"None in this range"</p> }.into_any()
    } else {
        let items = values
            .into_iter()
            .map(|value| facet_item(key, value, &state))
            .collect_view();
        view! { <ul class="facet-values">{items}</ul> }.into_any()
    };
    view! {
        <section class="facet" aria-labelledby=labelledby>
            <h3 id=id>{title}</h3>
            {body}
        </section>
    }
}

fn facet_item(key: FacetKey, facet: FacetValue, state: &ListState) -> impl IntoView + use<> {
    let FacetValue { value, count } = facet;
    let current = term_state(&state.search, key, &value);
    let include = state
        .with_search(toggle_facet(&state.search, key, &value, false))
        .href();
    let exclude = state
        .with_search(toggle_facet(&state.search, key, &value, true))
        .href();
    let label = match key {
        FacetKey::Status => Status::parse(&value)
            .map(status_label)
            .unwrap_or(value.as_str())
            .to_owned(),
        _ if value.is_empty() => "(none)".to_owned(),
        _ => value.clone(),
    };
    let term = format!("{}:{}", key.as_str(), value);
    let (include_title, exclude_label) = match current {
        Some(false) => (
            format!("Remove {term} from the search"),
            format!("Exclude {term} instead"),
        ),
        Some(true) => (
            format!("Search for {term} instead of excluding it"),
            format!("Stop excluding {term}"),
        ),
        None => (
            format!("Add {term} to the search (alt- or shift-click to exclude it)"),
            format!("Exclude {term}"),
        ),
    };
    let navigate = use_navigate();
    let on_click = {
        let exclude = exclude.clone();
        move |ev: ev::MouseEvent| {
            if ev.alt_key() || ev.shift_key() {
                ev.prevent_default();
                navigate(&exclude, NavigateOptions::default());
            }
        }
    };
    let class = match current {
        Some(false) => "facet-item included",
        Some(true) => "facet-item excluded",
        None => "facet-item",
    };
    view! {
        <li class=class>
            <a class="facet-value" href=include title=include_title on:click=on_click>
                <span class="facet-label">{label}</span>
                <span class="facet-count">{count}</span>
            </a>
            <a class="facet-exclude" href=exclude aria-label=exclude_label.clone() title=exclude_label>
                "⊖"
            </a>
        </li>
    }
}
