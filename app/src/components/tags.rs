//! Key/value tables of an event: span, host and container tags, and numeric metrics. Each table has
//! a filter field (matching keys and values, once hydrated); tags that name a search facet (`env`,
//! `version`, `host.name`, ...) link to the explorer searching for that value.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::terms::{tag_facet, toggle_facet};
use crate::url::search_href;

#[component]
pub fn TagTable(title: &'static str, tags: BTreeMap<String, String>) -> impl IntoView {
    let rows = tags
        .into_iter()
        .map(|(key, value)| {
            let href =
                tag_facet(&key).map(|facet| search_href(&toggle_facet("", facet, &value, false)));
            (key, value, href)
        })
        .collect();
    view! { <KeyValues title rows /> }
}

#[component]
pub fn MetricsTable(metrics: BTreeMap<String, f64>) -> impl IntoView {
    let rows = metrics
        .into_iter()
        .map(|(key, value)| (key, format_number(value), None))
        .collect();
    view! { <KeyValues title="Metrics" rows /> }
}

/// Values longer than this, or of several lines, are folded behind their first line.
const FOLD_CHARS: usize = 160;

/// The summary of a value to fold (its first line, cut, with the size), or `None` to show it whole.
fn fold(value: &str) -> Option<String> {
    let lines = value.lines().count();
    if lines <= 1 && value.chars().count() <= FOLD_CHARS {
        return None;
    }
    let first = value.lines().next().unwrap_or_default();
    let cut: String = first.chars().take(80).collect();
    let more = if lines > 1 {
        format!("{lines} lines")
    } else {
        format!("{} characters", value.chars().count())
    };
    Some(format!("{cut}… ({more})"))
}

/// Whether a row shows under `filter` (case-insensitive, in key or value).
fn matches(filter: &str, key: &str, value: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    filter.is_empty()
        || key.to_lowercase().contains(&filter)
        || value.to_lowercase().contains(&filter)
}

#[component]
fn KeyValues(title: &'static str, rows: Vec<(String, String, Option<String>)>) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let total = rows.len();
    let body = if rows.is_empty() {
        view! { <p class="muted">"None reported."</p> }.into_any()
    } else {
        let keys: Vec<(String, String)> = rows
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect();
        let shown = Memo::new(move |_| {
            filter.with(|f| keys.iter().filter(|(k, v)| matches(f, k, v)).count())
        });
        let body_rows = rows
            .into_iter()
            .map(|(key, value, href)| {
                let (k, v) = (key.clone(), value.clone());
                let hidden = move || !filter.with(|f| matches(f, &k, &v));
                let value_view = match href {
                    Some(href) => view! {
                        <a href=href title=format!("Search the explorer for {key}: {value}")>
                            {value.clone()}
                        </a>
                    }
                    .into_any(),
                    None => match fold(&value) {
                        Some(first) => view! {
                            <details class="long-value">
                                <summary>{first}</summary>
                                <pre>{value.clone()}</pre>
                            </details>
                        }
                        .into_any(),
                        None => view! { {value.clone()} }.into_any(),
                    },
                };
                view! {
                    <tr hidden=hidden>
                        <th scope="row">
                            <code>{key.clone()}</code>
                        </th>
                        <td>{value_view}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <input
                type="search"
                class="table-filter"
                placeholder="Filter"
                aria-label=format!("Filter {}", title.to_lowercase())
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
            />
            <span class="muted table-count" aria-live="polite">
                {move || {
                    let shown = shown.get();
                    if shown == total { format!("{total}") } else { format!("{shown} of {total}") }
                }}
            </span>
            <table class="key-values">
                <caption class="visually-hidden">{title}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Value"</th>
                    </tr>
                </thead>
                <tbody>{body_rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="key-values-section">
            <h3>{title}</h3>
            {body}
        </section>
    }
}

/// Integers without a fraction (`1500`, not `1500.0`); other values as Rust prints them.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, format_number, matches};

    #[test]
    fn folds_long_values() {
        assert_eq!(fold("GET"), None);
        assert_eq!(
            fold("Traceback:\n  a\n  b").as_deref(),
            Some("Traceback:… (3 lines)")
        );
        let long = "x".repeat(200);
        assert_eq!(
            fold(&long),
            Some(format!("{}… (200 characters)", "x".repeat(80)))
        );
    }

    #[test]
    fn filters_keys_and_values() {
        assert!(matches("", "http.method", "GET"));
        assert!(matches(" METHOD ", "http.method", "GET"));
        assert!(matches("get", "http.method", "GET"));
        assert!(!matches("post", "http.method", "GET"));
    }

    #[test]
    fn formats_metrics() {
        let cases = [
            (1500.0, "1500"),
            (-2.0, "-2"),
            (0.25, "0.25"),
            (1e20, "100000000000000000000"),
            (f64::NAN, "NaN"),
        ];
        for (value, want) in cases {
            assert_eq!(format_number(value), want);
        }
    }
}
