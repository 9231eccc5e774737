//! The time range selector: preset links (15m … 30d) and a custom from–to form in UTC. Everything
//! works as plain links and a GET form before hydration; once hydrated the form navigates in place.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::range::{Period, TimeRange, format_datetime, parse_datetime};

/// `href`: the page's URL for a range. `action` and `hidden`: where the custom form goes and the
/// other parameters it keeps.
#[component]
pub fn RangePicker(
    current: TimeRange,
    href: Callback<TimeRange, String>,
    action: String,
    hidden: Vec<(&'static str, String)>,
) -> impl IntoView {
    let presets = Period::ALL
        .into_iter()
        .map(|period| {
            let range = TimeRange::Last(period);
            let active = current == range;
            view! {
                <a
                    class="range-preset"
                    class:active=active
                    href=href.run(range)
                    aria-current=active.then_some("true")
                    title=period.label()
                >
                    {period.as_str()}
                </a>
            }
        })
        .collect_view();
    let (from, to) = match current {
        TimeRange::Between { from, to } => (Some(from), Some(to)),
        TimeRange::Last(_) => (None, None),
    };
    let custom = matches!(current, TimeRange::Between { .. });
    let from_ref = NodeRef::<html::Input>::new();
    let to_ref = NodeRef::<html::Input>::new();
    let problem = RwSignal::new(None::<&'static str>);
    let details = NodeRef::<html::Details>::new();
    let navigate = use_navigate();
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let value = |r: NodeRef<html::Input>| r.get_untracked().map(|e| e.value());
        let parsed = value(from_ref)
            .as_deref()
            .and_then(parse_datetime)
            .zip(value(to_ref).as_deref().and_then(parse_datetime));
        match parsed {
            Some((from, to)) if from < to => {
                problem.set(None);
                // The same element shows the next range: close it.
                if let Some(details) = details.get_untracked() {
                    details.set_open(false);
                }
                navigate(
                    &href.run(TimeRange::Between { from, to }),
                    NavigateOptions::default(),
                );
            }
            Some(_) => problem.set(Some("The start must be before the end.")),
            None => problem.set(Some("Enter both times.")),
        }
    };
    let time_value = |ms: Option<i64>| ms.map(format_datetime);
    view! {
        <div class="range-picker">
            <nav class="range-presets" aria-label="Time range">
                {presets}
            </nav>
            <details class="range-custom" node_ref=details>
                <summary class:active=custom>
                    {if custom { current.label() } else { "Custom".to_owned() }}
                </summary>
                <form method="get" action=action on:submit=on_submit>
                    {hidden
                        .into_iter()
                        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                        .collect_view()}
                    <label>
                        "From (UTC)"
                        <input
                            type="datetime-local"
                            name="from"
                            required
                            node_ref=from_ref
                            value=time_value(from)
                        />
                    </label>
                    <label>
                        "To (UTC)"
                        <input
                            type="datetime-local"
                            name="to"
                            required
                            node_ref=to_ref
                            value=time_value(to)
                        />
                    </label>
                    <button type="submit">"Apply"</button>
                    <p class="range-problem" role="alert">
                        {move || problem.get()}
                    </p>
                </form>
            </details>
        </div>
    }
    .into_any()
}
