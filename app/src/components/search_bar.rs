//! The explorer's search bar: the query language highlighted as it is typed (the same parser as the
//! server's, compiled into the WASM), every problem underlined and explained below the field.
//!
//! The highlighting is a layer of coloured text behind the input, whose own text turns transparent
//! once hydrated (before that the layer cannot follow typing, so the input shows its text itself).
//! Without WASM the bar is a plain GET form.

use domain::query::{Token, TokenKind, highlight, search_errors};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// `search`: the search of the page's URL. `hidden`: the other URL parameters the plain form keeps.
/// `href`: the page showing a search, opened when a valid search is submitted.
#[component]
pub fn SearchBar(
    search: Signal<String>,
    hidden: Signal<Vec<(&'static str, String)>>,
    href: Callback<String, String>,
    input_ref: NodeRef<html::Input>,
) -> impl IntoView {
    let navigate = use_navigate();
    let text = RwSignal::new(search.get_untracked());
    // A new URL (a facet clicked, the back button) replaces what is typed.
    Effect::watch(
        move || search.get(),
        move |s, _, _| text.set(s.clone()),
        false,
    );
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let errors = Memo::new(move |_| text.with(|t| search_errors(t)));
    let overlay = NodeRef::<html::Div>::new();

    let sync_scroll = move || {
        if let (Some(input), Some(overlay)) = (input_ref.get_untracked(), overlay.get_untracked()) {
            overlay.set_scroll_left(input.scroll_left());
        }
    };
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        if errors.with_untracked(Vec::is_empty) {
            let search = text.get_untracked().trim().to_owned();
            navigate(&href.run(search), NavigateOptions::default());
        } else if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let layer = move || {
        text.with(|t| {
            let errors = errors.get();
            highlight(t)
                .into_iter()
                .map(|token| token_view(t, token, &errors))
                .collect_view()
        })
    };
    let error_list = move || {
        errors.with(|errors| {
            text.with(|t| {
                errors
                    .iter()
                    .map(|e| {
                        let at = t.get(e.start..e.end).unwrap_or_default().to_owned();
                        view! {
                            <li>
                                {e.message.clone()}
                                {(!at.trim().is_empty()).then(|| view! { " at " <code>{at}</code> })}
                            </li>
                        }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <form class="search-form" method="get" action="/" role="search" on:submit=on_submit>
            <label class="visually-hidden" for="explorer-search">
                "Search issues"
            </label>
            <div class="search-field" class:hydrated=move || hydrated.get()>
                <div class="search-layer" aria-hidden="true" node_ref=overlay>
                    {layer}
                </div>
                <input
                    id="explorer-search"
                    node_ref=input_ref
                    type="search"
                    name="search"
                    autocomplete="off"
                    spellcheck="false"
                    value=search.get_untracked()
                    prop:value=move || text.get()
                    placeholder="Search, e.g. service:checkout env:prod -host:web-3 \"card declined\""
                    aria-invalid=move || if errors.with(Vec::is_empty) { "false" } else { "true" }
                    aria-describedby="search-errors search-help"
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        sync_scroll();
                    }
                    on:scroll=move |_| sync_scroll()
                    on:keyup=move |_| sync_scroll()
                    on:click=move |_| sync_scroll()
                />
            </div>
            {move || {
                hidden
                    .get()
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()
            }}
            <button type="submit">"Search"</button>
            <ul id="search-errors" class="search-errors" aria-live="polite">
                {error_list}
            </ul>
            <details id="search-help" class="search-help">
                <summary>"Search syntax"</summary>
                <ul>
                    <li>
                        <code>"key:value"</code>
                        " on service, env, version, type, status, host, resource, message, owner"
                    </li>
                    <li>
                        <code>"version:1.4.*"</code>
                        " wildcards, "
                        <code>"-host:web-3"</code>
                        " excludes, "
                        <code>"\"card declined\""</code>
                        " phrases in type or message"
                    </li>
                    <li>"All terms must match. Click a facet to add it; alt- or shift-click to exclude it."</li>
                    <li>
                        "Keys: " <kbd>"/"</kbd> " search, " <kbd>"j"</kbd> " / " <kbd>"k"</kbd>
                        " next / previous issue, " <kbd>"Enter"</kbd> " open it, " <kbd>"x"</kbd>
                        " select it"
                    </li>
                </ul>
            </details>
        </form>
    }
    .into_any()
}

fn token_view(
    text: &str,
    token: Token,
    errors: &[domain::query::SearchError],
) -> impl IntoView + use<> {
    let part = text
        .get(token.start..token.end)
        .unwrap_or_default()
        .to_owned();
    let class = match token.kind {
        TokenKind::Key => "tok tok-key",
        TokenKind::Value => "tok tok-value",
        TokenKind::Text => "tok tok-text",
        TokenKind::Negation => "tok tok-negation",
        TokenKind::Quote => "tok tok-quote",
        TokenKind::Error => "tok tok-error",
        TokenKind::Whitespace => "tok",
    };
    let title = (token.kind == TokenKind::Error)
        .then(|| {
            errors
                .iter()
                .find(|e| e.start == token.start && e.end == token.end)
                .map(|e| e.message.clone())
        })
        .flatten();
    view! { <span class=class title=title>{part}</span> }
}
