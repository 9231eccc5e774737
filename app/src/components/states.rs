//! Loading and error states of data-backed views.

use leptos::prelude::*;

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="loading" role="status">
            "Loading…"
        </p>
    }
}

/// A failed load. Server errors carry a message written for users (never internals).
#[component]
pub fn ErrorNotice(error: ServerFnError) -> impl IntoView {
    let message = server_message(&error);
    view! {
        <div class="notice error" role="alert">
            <p>
                <strong>"Something went wrong. "</strong>
                {message}
            </p>
        </div>
    }
}

/// What to tell users about a failed server function.
pub fn server_message(error: &ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message.clone(),
        ServerFnError::Request(_) => "The server could not be reached.".to_owned(),
        other => other.to_string(),
    }
}

/// False on the server and while hydrating, true once the WASM runs this component: controls that
/// need it are shown or enabled only then.
pub fn use_hydrated() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| hydrated.set(true));
    hydrated.into()
}
