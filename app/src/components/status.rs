//! The triage status of an issue.

use domain::query::Status;
use leptos::prelude::*;

pub fn status_label(status: Status) -> &'static str {
    match status {
        Status::ForReview => "For review",
        Status::Reviewed => "Reviewed",
        Status::Ignored => "Ignored",
        Status::Resolved => "Resolved",
    }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status_label(status)}</span> }
}
