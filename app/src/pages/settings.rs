//! `/settings/source`: the GitHub repositories whose code the issue page shows under in-app frames.
//! Linked repositories (never a credential: only how they authenticate), the form to link or edit one,
//! code mappings, and the repositories seen in span tags with a one-click "Link". The lists render on
//! the server; the forms submit once hydrated.

use domain::source::{CodeMapping, Repository, SeenRepository, SourceSettings};
use leptos::prelude::*;
use leptos_meta::Title;

use super::settings_mapping_form::{MappingFields, MappingForm};
use super::settings_repository_form::{RepoForm, RepositoryForm, auth_label};
use crate::components::{ErrorNotice, Loading, server_message};
use crate::source_api::{delete_code_mapping, delete_repository, load_source_settings};

type SettingsResource = Resource<Result<SourceSettings, ServerFnError>>;

#[component]
pub fn SourceSettingsPage() -> impl IntoView {
    let settings: SettingsResource = Resource::new(|| (), |()| load_source_settings());
    let reload = Callback::new(move |()| settings.refetch());
    let form = RepoForm::new();
    let mapping_fields = MappingFields::new();
    // Effects run only in the browser: the forms wait for hydration.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let hydrated = Signal::from(hydrated);
    let loaded =
        move |render: fn(SourceSettings, RepoForm, Signal<bool>, Callback<()>) -> AnyView| {
            view! {
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match settings.await {
                            Ok(found) => render(found, form, hydrated, reload),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            }
            .into_any()
        };
    view! {
        <Title text="Source code settings" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <span>"Settings"</span>
            </nav>
            <h1>"Source code"</h1>
            <p class="muted settings-intro">
                "Link the GitHub repositories of your services: the in-app frames of their stack traces then show the code around the failing line, at the commit that was running. Tokens and keys stay on the server."
            </p>
            <section aria-labelledby="repositories-heading">
                <h2 id="repositories-heading">"Linked repositories"</h2>
                {loaded(|s, form, hydrated, reload| {
                    view! { <RepositoryList repositories=s.repositories form hydrated reload /> }.into_any()
                })}
            </section>
            <RepositoryForm form hydrated saved=reload />
            <section aria-labelledby="mappings-heading">
                <h2 id="mappings-heading">"Code mappings"</h2>
                <p class="muted">
                    "Frame paths are matched to repository paths by their longest common suffix. When that is not enough, map the start of the paths in stack traces (stack root) to a directory of the repository (source root)."
                </p>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match settings.await {
                            Ok(found) => {
                                view! { <MappingList settings=found fields=mapping_fields hydrated reload /> }
                                    .into_any()
                            }
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section aria-labelledby="seen-heading">
                <h2 id="seen-heading">"Seen in your spans"</h2>
                <p class="muted">
                    "Repositories named by " <code>"git.repository_url"</code> " (Datadog: "
                    <code>"DD_GIT_REPOSITORY_URL"</code> ") or " <code>"vcs.repository.url.full"</code>
                    " (OpenTelemetry). Their services are linked automatically once the repository is."
                </p>
                {loaded(|s, form, _, _| {
                    view! { <SeenList seen=s.seen form /> }.into_any()
                })}
            </section>
            {loaded(|s, _, _, _| known_services(&s).into_any())}
        </article>
    }
    .into_any()
}

/// Service names for the forms' suggestions.
fn known_services(settings: &SourceSettings) -> impl IntoView + use<> {
    let mut services: Vec<String> = settings
        .seen
        .iter()
        .flat_map(|s| s.services.iter())
        .chain(settings.repositories.iter().flat_map(|r| r.services.iter()))
        .cloned()
        .collect();
    services.sort();
    services.dedup();
    view! {
        <datalist id="known-services">
            {services.into_iter().map(|s| view! { <option value=s></option> }).collect_view()}
        </datalist>
    }
}

fn repo_name(repository: &Repository) -> String {
    format!("{}/{}", repository.owner, repository.name)
}

#[component]
fn RepositoryList(
    repositories: Vec<Repository>,
    form: RepoForm,
    hydrated: Signal<bool>,
    reload: Callback<()>,
) -> impl IntoView {
    if repositories.is_empty() {
        return view! {
            <p class="empty-state">
                "No repository is linked yet. Link one below, or from the repositories seen in your spans."
            </p>
        }
        .into_any();
    }
    let confirming = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<String>);
    let unlink = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            match delete_repository(id).await {
                Ok(_) => {
                    confirming.set(None);
                    if form.editing.get_untracked().is_some_and(|(e, ..)| e == id) {
                        form.editing.set(None);
                    }
                    reload.run(());
                }
                Err(error) => failure.set(Some(server_message(&error))),
            }
        }
    });
    let pending = unlink.pending();
    let rows = repositories
        .into_iter()
        .map(|repository| {
            let id = repository.id;
            let name = repo_name(&repository);
            let services = if repository.services.is_empty() {
                view! { <span class="muted">"from span tags"</span> }.into_any()
            } else {
                repository.services.join(", ").into_any()
            };
            let status = match &repository.last_error {
                Some(error) => view! { <span class="repo-error">{error.clone()}</span> }.into_any(),
                None => view! { <span class="repo-ok">"OK"</span> }.into_any(),
            };
            let host = repository
                .api_base_url
                .clone()
                .map(|base| view! { <code>{base}</code> }.into_any())
                .unwrap_or_else(|| "github.com".into_any());
            let edited = repository.clone();
            let confirm_name = name.clone();
            view! {
                <tr>
                    <th scope="row">
                        <code>{name.clone()}</code>
                    </th>
                    <td>{auth_label(repository.auth)}</td>
                    <td>{host}</td>
                    <td>{services}</td>
                    <td>{status}</td>
                    <td class="row-actions">
                        <Show
                            when=move || confirming.get() == Some(id)
                            fallback=move || {
                                let edited = edited.clone();
                                let name = repo_name(&edited);
                                view! {
                                    <button
                                        type="button"
                                        class="secondary"
                                        aria-label=format!("Edit {name}")
                                        disabled=move || !hydrated.get()
                                        on:click=move |_| form.edit(&edited)
                                    >
                                        "Edit"
                                    </button>
                                    <button
                                        type="button"
                                        class="secondary danger"
                                        aria-label=format!("Unlink {name}")
                                        disabled=move || !hydrated.get()
                                        on:click=move |_| {
                                            failure.set(None);
                                            confirming.set(Some(id));
                                        }
                                    >
                                        "Unlink"
                                    </button>
                                }
                            }
                        >
                            <span class="confirm" role="group" aria-label=format!("Confirm unlinking {confirm_name}")>
                                {format!("Unlink {confirm_name} and its code mappings?")}
                                " "
                                <button
                                    type="button"
                                    class="danger"
                                    disabled=move || pending.get()
                                    on:click=move |_| {
                                        unlink.dispatch(id);
                                    }
                                >
                                    "Yes, unlink"
                                </button>
                                " "
                                <button type="button" class="secondary" on:click=move |_| confirming.set(None)>
                                    "Cancel"
                                </button>
                            </span>
                        </Show>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="settings-table repositories" aria-labelledby="repositories-heading">
                <thead>
                    <tr>
                        <th scope="col">"Repository"</th>
                        <th scope="col">"Authentication"</th>
                        <th scope="col">"Host"</th>
                        <th scope="col">"Services"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {move || failure.get().map(|f| view! { <p class="notice error" role="alert">{f}</p> })}
    }
    .into_any()
}

#[component]
fn MappingList(
    settings: SourceSettings,
    fields: MappingFields,
    hydrated: Signal<bool>,
    reload: Callback<()>,
) -> impl IntoView {
    let SourceSettings {
        repositories,
        mappings,
        ..
    } = settings;
    let names: Vec<(i64, String)> = repositories.iter().map(|r| (r.id, repo_name(r))).collect();
    let failure = RwSignal::new(None::<String>);
    let remove = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            match delete_code_mapping(id).await {
                Ok(_) => {
                    fields
                        .message
                        .set(Some(Ok(format!("Deleted mapping #{id}."))));
                    reload.run(());
                }
                Err(error) => failure.set(Some(server_message(&error))),
            }
        }
    });
    let list = if mappings.is_empty() {
        view! { <p class="empty-state">"No code mappings."</p> }.into_any()
    } else {
        let rows = mappings
            .into_iter()
            .map(|mapping| {
                let CodeMapping {
                    id,
                    repository_id,
                    service,
                    stack_root,
                    source_root,
                } = mapping;
                let repository = names
                    .iter()
                    .find(|(r, _)| *r == repository_id)
                    .map_or_else(|| format!("#{repository_id}"), |(_, n)| n.clone());
                view! {
                    <tr>
                        <th scope="row">{format!("#{id}")}</th>
                        <td>
                            <code>{repository}</code>
                        </td>
                        <td>
                            {service.unwrap_or_else(|| "every service".to_owned())}
                        </td>
                        <td>
                            <code>{stack_root}</code>
                        </td>
                        <td>
                            <code>{if source_root.is_empty() { "(root)".to_owned() } else { source_root }}</code>
                        </td>
                        <td class="row-actions">
                            <button
                                type="button"
                                class="secondary danger"
                                aria-label=format!("Delete mapping #{id}")
                                disabled=move || !hydrated.get() || remove.pending().get()
                                on:click=move |_| {
                                    remove.dispatch(id);
                                }
                            >
                                "Delete"
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll">
                <table class="settings-table mappings" aria-labelledby="mappings-heading">
                    <thead>
                        <tr>
                            <th scope="col">"Mapping"</th>
                            <th scope="col">"Repository"</th>
                            <th scope="col">"Service"</th>
                            <th scope="col">"Stack root"</th>
                            <th scope="col">"Source root"</th>
                            <th scope="col">
                                <span class="visually-hidden">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let form = if names.is_empty() {
        view! { <p class="muted">"Link a repository to add mappings to it."</p> }.into_any()
    } else {
        view! { <MappingForm repositories=names fields hydrated saved=reload /> }.into_any()
    };
    view! {
        {list}
        {move || failure.get().map(|f| view! { <p class="notice error" role="alert">{f}</p> })}
        {form}
    }
}

#[component]
fn SeenList(seen: Vec<SeenRepository>, form: RepoForm) -> impl IntoView {
    if seen.is_empty() {
        return view! { <p class="empty-state">"No span has named a repository yet."</p> }
            .into_any();
    }
    let items = seen
        .into_iter()
        .map(|repo| {
            let name = format!("{}/{}", repo.owner, repo.name);
            let services = format!("seen in {}", repo.services.join(", "));
            let url = repo.url.clone();
            let action = match repo.linked {
                Some(_) => view! { <span class="badge linked">"Linked"</span> }.into_any(),
                None => {
                    let label = format!("Link {name}");
                    view! {
                        <button type="button" class="secondary" aria-label=label on:click=move |_| form.prefill(&repo)>
                            "Link"
                        </button>
                    }
                    .into_any()
                }
            };
            view! {
                <li class="seen-repository">
                    <span class="seen-name">
                        <code>{name}</code>
                    </span>
                    <span class="seen-url muted">{url}</span>
                    <span class="seen-services">{services}</span>
                    {action}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="seen-list">{items}</ul> }.into_any()
}
