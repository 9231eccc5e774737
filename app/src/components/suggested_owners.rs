//! "Suggested owners" on the issue page: who `CODEOWNERS` names for the culprit frame's file, each a
//! link to the issues they own (`owner:` search), and which rule said so.

use domain::query::FacetKey;
use domain::source::SuggestedOwners as Owners;
use leptos::prelude::*;

use super::{ErrorNotice, Loading, use_hydrated};
use crate::source_api::load_suggested_owners;
use crate::terms::toggle_facet;
use crate::url::search_href;

#[component]
pub fn SuggestedOwners(issue_id: i64) -> impl IntoView {
    // Loaded by the browser once hydrated, like the source snippets: the first look at an issue may
    // read GitHub, which must not hold up the page.
    let owners = RwSignal::new(None);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let loaded = load_suggested_owners(issue_id).await;
            let _ = owners.try_set(Some(loaded));
        });
    });
    // Effects run only in the browser: without the WASM nothing would ever load, so no section.
    let hydrated = use_hydrated();
    move || {
        hydrated.get().then(|| {
            view! {
                <section class="suggested-owners" aria-labelledby="suggested-owners">
                    <h2 id="suggested-owners">"Suggested owners"</h2>
                    {move || match owners.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Ok(Some(found))) => view! { <OwnerList found /> }.into_any(),
                        Some(Ok(None)) => view! { <p class="muted">"No events yet."</p> }.into_any(),
                        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    }}
                </section>
            }
        })
    }
}

#[component]
fn OwnerList(found: Owners) -> impl IntoView {
    let Owners {
        owners,
        path,
        codeowners,
        rule_url,
        unavailable,
    } = found;
    let Some(reason) = unavailable else {
        return view! { <Found owners path codeowners rule_url /> }.into_any();
    };
    // What was stored before stays shown; without it there is nothing to say but why.
    let kept = (!owners.is_empty()).then(|| view! { <Found owners path codeowners rule_url /> });
    view! {
        <p class="notice" role="status">"CODEOWNERS could not be read: " {reason}</p>
        {kept}
    }
    .into_any()
}

#[component]
fn Found(
    owners: Vec<String>,
    path: Option<String>,
    codeowners: Option<String>,
    rule_url: Option<String>,
) -> impl IntoView {
    let Some(codeowners) = codeowners else {
        return view! {
            <p class="muted">"The repository of this issue's code has no CODEOWNERS file (or none is linked)."</p>
        }
        .into_any();
    };
    let Some(path) = path else {
        return view! {
            <p class="muted">"The culprit frame maps to no file of the repository."</p>
        }
        .into_any();
    };
    if owners.is_empty() {
        return view! {
            <p class="muted">"No rule of " <code>{codeowners}</code> " names an owner for " <code>{path}</code> "."</p>
        }
        .into_any();
    }
    let items = owners
        .into_iter()
        .map(|owner| {
            let href = search_href(&toggle_facet("", FacetKey::Owner, &owner, false));
            view! {
                <li>
                    <a href=href>{owner}</a>
                </li>
            }
        })
        .collect_view();
    let source = match rule_url {
        Some(url) => view! { <a href=url>{codeowners}</a> }.into_any(),
        None => view! { <code>{codeowners}</code> }.into_any(),
    };
    view! {
        <ul class="owners">{items}</ul>
        <p class="muted">"From " {source} " for " <code>{path}</code> "."</p>
    }
    .into_any()
}
