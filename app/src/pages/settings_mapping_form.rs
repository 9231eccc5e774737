//! The source code settings' form to add a code mapping. Its fields live in signals owned by the page
//! (the form is redrawn whenever the lists reload); it submits through a server function once hydrated.

use domain::source::CodeMappingInput;
use leptos::prelude::*;

use crate::components::server_message;
use crate::source_api::save_code_mapping;

/// The mapping form's fields, owned by the page: the form is redrawn whenever the lists reload.
#[derive(Debug, Clone, Copy)]
pub struct MappingFields {
    repository: RwSignal<Option<i64>>,
    service: RwSignal<String>,
    stack_root: RwSignal<String>,
    source_root: RwSignal<String>,
    pub message: RwSignal<Option<Result<String, String>>>,
}

impl MappingFields {
    pub fn new() -> Self {
        Self {
            repository: RwSignal::new(None),
            service: RwSignal::new(String::new()),
            stack_root: RwSignal::new(String::new()),
            source_root: RwSignal::new(String::new()),
            message: RwSignal::new(None),
        }
    }
}

/// Adding a code mapping to one of `repositories` (`(id, owner/name)`).
#[component]
pub fn MappingForm(
    repositories: Vec<(i64, String)>,
    fields: MappingFields,
    hydrated: Signal<bool>,
    saved: Callback<()>,
) -> impl IntoView {
    let MappingFields {
        repository,
        service,
        stack_root,
        source_root,
        message,
    } = fields;
    // The chosen repository, or the first one when it was unlinked (or none was chosen yet).
    let chosen = repository.get_untracked();
    if chosen.is_none_or(|id| !repositories.iter().any(|(r, _)| *r == id)) {
        repository.set(repositories.first().map(|(id, _)| *id));
    }
    let save = Action::new(move |input: &CodeMappingInput| {
        let input = input.clone();
        async move {
            match save_code_mapping(input).await {
                Ok(mapping) => {
                    stack_root.set(String::new());
                    source_root.set(String::new());
                    message.set(Some(Ok(format!("Added mapping #{}.", mapping.id))));
                    saved.run(());
                }
                Err(error) => message.set(Some(Err(server_message(&error)))),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(repository_id) = repository.get_untracked() else {
            message.set(Some(Err("Link a repository first.".to_owned())));
            return;
        };
        let stack = stack_root.get_untracked().trim().to_owned();
        if stack.is_empty() {
            message.set(Some(Err(
                "Enter the stack root: the start of the paths in stack traces.".to_owned(),
            )));
            return;
        }
        message.set(None);
        save.dispatch(CodeMappingInput {
            repository_id,
            service: Some(service.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            stack_root: stack,
            source_root: source_root.get_untracked().trim().to_owned(),
        });
    };
    let options = repositories
        .into_iter()
        .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
        .collect_view();
    let outcome = move || {
        message.get().map(|outcome| match outcome {
            Ok(done) => view! { <p class="notice ok" role="status">{done}</p> }.into_any(),
            Err(problem) => view! { <p class="notice error" role="alert">{problem}</p> }.into_any(),
        })
    };
    view! {
        <form class="stacked-form mapping-form" method="post" aria-label="Add a code mapping" on:submit=on_submit>
            <div class="form-row">
                <div class="field">
                    <label for="mapping-repository">
                        <span>"Repository"</span>
                    </label>
                    <select
                        id="mapping-repository"
                        name="repository_id"
                        prop:value=move || repository.get().map(|id| id.to_string()).unwrap_or_default()
                        on:change=move |ev| repository.set(event_target_value(&ev).parse().ok())
                    >
                        {options}
                    </select>
                </div>
                <label>
                    <span>"Service (optional)"</span>
                    <input
                        type="text"
                        name="service"
                        list="known-services"
                        placeholder="every service"
                        autocomplete="off"
                        prop:value=move || service.get()
                        on:input=move |ev| service.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <div class="form-row">
                <label>
                    <span>"Stack root"</span>
                    <input
                        type="text"
                        name="stack_root"
                        placeholder="/srv/app/"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || stack_root.get()
                        on:input=move |ev| stack_root.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <span>"Source root"</span>
                    <input
                        type="text"
                        name="source_root"
                        placeholder="services/app/"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || source_root.get()
                        on:input=move |ev| source_root.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <div class="form-actions">
                <button type="submit" disabled=move || !hydrated.get() || pending.get()>
                    "Add mapping"
                </button>
            </div>
            {outcome}
        </form>
    }
    .into_any()
}
