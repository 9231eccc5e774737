//! "Why grouped": the fingerprint's component tree, marking which parts contribute to the hash and why
//! the others do not. Runs of frames that are not the service's code are folded into one line that
//! opens (a `<details>`, so it works before and without the WASM); the stripped project root is a
//! node of its own.

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
    let children = (!children.is_empty()).then(|| view! { <ul>{folded(children)}</ul> });
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

/// The children in order, each run of folded frames inside one closed `<details>`.
fn folded(children: Vec<Component>) -> Vec<AnyView> {
    let mut views = Vec::new();
    let mut run: Vec<Component> = Vec::new();
    let flush = |run: &mut Vec<Component>, views: &mut Vec<AnyView>| {
        if run.is_empty() {
            return;
        }
        let frames = std::mem::take(run);
        let label = match frames.len() {
            1 => "1 frame not from the service".to_owned(),
            n => format!("{n} frames not from the service"),
        };
        views.push(
            view! {
                <li class="folded-frames">
                    <details>
                        <summary>{label}</summary>
                        <ul>{frames.into_iter().map(node).collect_view()}</ul>
                    </details>
                </li>
            }
            .into_any(),
        );
    };
    for child in children {
        if child.fold {
            run.push(child);
        } else {
            flush(&mut run, &mut views);
            views.push(node(child));
        }
    }
    flush(&mut run, &mut views);
    views
}
