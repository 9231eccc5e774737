//! "Why grouped": the fingerprint's component tree, marking which parts contribute to the hash and why
//! the others do not.

use domain::grouping::Component;
use leptos::prelude::*;

#[component]
pub fn FingerprintTree(root: Component) -> impl IntoView {
    view! { <ul class="fingerprint-tree">{node(root)}</ul> }
}

fn node(component: Component) -> AnyView {
    let Component {
        id,
        values,
        contributes,
        hint,
        children,
        ..
    } = component;
    let (class, verdict) = if contributes {
        ("component contributes", "contributes")
    } else {
        ("component ignored", "ignored")
    };
    let children = (!children.is_empty()).then(|| {
        view! { <ul>{children.into_iter().map(node).collect_view()}</ul> }
    });
    view! {
        <li class=class>
            <span class="component-id">{id}</span>
            " "
            <span class="badge">{verdict}</span>
            {values
                .into_iter()
                .map(|value| view! { " " <code class="component-value">{value}</code> })
                .collect_view()}
            {hint.map(|hint| view! { <span class="hint">" — " {hint}</span> })}
            {children}
        </li>
    }
    .into_any()
}
