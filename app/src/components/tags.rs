//! Key/value tables of an event: span, host and container tags, and numeric metrics.

use std::collections::BTreeMap;

use leptos::prelude::*;

#[component]
pub fn TagTable(title: &'static str, tags: BTreeMap<String, String>) -> impl IntoView {
    let rows = tags.into_iter().collect();
    view! { <KeyValues title rows /> }
}

#[component]
pub fn MetricsTable(metrics: BTreeMap<String, f64>) -> impl IntoView {
    let rows = metrics
        .into_iter()
        .map(|(key, value)| (key, format_number(value)))
        .collect();
    view! { <KeyValues title="Metrics" rows /> }
}

#[component]
fn KeyValues(title: &'static str, rows: Vec<(String, String)>) -> impl IntoView {
    let body = if rows.is_empty() {
        view! { <p class="muted">"None reported."</p> }.into_any()
    } else {
        view! {
            <table class="key-values">
                <caption class="visually-hidden">{title}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Value"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(key, value)| {
                            view! {
                                <tr>
                                    <th scope="row">
                                        <code>{key}</code>
                                    </th>
                                    <td>{value}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
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
    use super::format_number;

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
