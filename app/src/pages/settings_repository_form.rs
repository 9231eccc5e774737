//! The source code settings' form to link (or edit) a repository. Its state lives in signals owned by
//! the page, so the lists reloading under it keep what was typed. It submits through a server function
//! once hydrated; until then its button is disabled, so a token is never sent as a plain form (or in a
//! URL). The code mapping form is in `settings_mapping_form`.

use domain::source::repo_url::{GITHUB_HOST, RepoUrl, valid_name, valid_owner};
use domain::source::{AuthKind, Credentials, Repository, RepositoryInput, SeenRepository};
use leptos::html;
use leptos::prelude::*;

use crate::components::server_message;
use crate::source_api::save_repository;

/// Which credentials the repository form sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthChoice {
    /// Editing: leave the stored credentials alone.
    Keep,
    None,
    Token,
    App,
}

impl AuthChoice {
    fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::None => "none",
            Self::Token => "token",
            Self::App => "app",
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "keep" => Self::Keep,
            "token" => Self::Token,
            "app" => Self::App,
            _ => Self::None,
        }
    }
}

pub fn auth_label(auth: AuthKind) -> &'static str {
    match auth {
        AuthKind::None => "None (public repository)",
        AuthKind::Token => "Access token",
        AuthKind::App => "GitHub App",
    }
}

/// The repository form's fields.
#[derive(Debug, Clone, Copy)]
pub struct RepoForm {
    /// The repository being edited, with its name and current authentication.
    pub editing: RwSignal<Option<(i64, String, AuthKind)>>,
    pub repository: RwSignal<String>,
    pub api_base: RwSignal<String>,
    pub auth: RwSignal<AuthChoice>,
    pub token: RwSignal<String>,
    pub app_id: RwSignal<String>,
    pub installation_id: RwSignal<String>,
    pub private_key: RwSignal<String>,
    pub services: RwSignal<String>,
    /// The outcome of the last submission: `Ok` says what was saved.
    pub message: RwSignal<Option<Result<String, String>>>,
    pub first_field: NodeRef<html::Input>,
}

impl RepoForm {
    pub fn new() -> Self {
        Self {
            editing: RwSignal::new(None),
            repository: RwSignal::new(String::new()),
            api_base: RwSignal::new(String::new()),
            auth: RwSignal::new(AuthChoice::Token),
            token: RwSignal::new(String::new()),
            app_id: RwSignal::new(String::new()),
            installation_id: RwSignal::new(String::new()),
            private_key: RwSignal::new(String::new()),
            services: RwSignal::new(String::new()),
            message: RwSignal::new(None),
            first_field: NodeRef::new(),
        }
    }

    /// Empties every field, secrets first.
    fn clear(&self) {
        self.clear_secrets();
        self.editing.set(None);
        self.repository.set(String::new());
        self.api_base.set(String::new());
        self.auth.set(AuthChoice::Token);
        self.services.set(String::new());
    }

    fn clear_secrets(&self) {
        self.token.set(String::new());
        self.app_id.set(String::new());
        self.installation_id.set(String::new());
        self.private_key.set(String::new());
    }

    /// Fills the form from a linked repository; its credentials stay as they are unless replaced.
    pub fn edit(&self, repository: &Repository) {
        self.clear();
        let name = format!("{}/{}", repository.owner, repository.name);
        self.editing
            .set(Some((repository.id, name.clone(), repository.auth)));
        self.repository.set(name);
        self.api_base
            .set(repository.api_base_url.clone().unwrap_or_default());
        self.auth.set(AuthChoice::Keep);
        self.services.set(repository.services.join(", "));
        self.message.set(None);
        self.focus();
    }

    /// Fills the form from a repository seen in spans.
    pub fn prefill(&self, seen: &SeenRepository) {
        self.clear();
        self.repository.set(format!("{}/{}", seen.owner, seen.name));
        self.api_base
            .set(enterprise_api_base(&seen.url).unwrap_or_default());
        self.services.set(seen.services.join(", "));
        self.message.set(None);
        self.focus();
    }

    fn focus(&self) {
        if let Some(input) = self.first_field.get_untracked() {
            input.scroll_into_view();
            let _ = input.focus();
        }
    }

    /// What the form sends, or what to fix first.
    fn input(&self) -> Result<RepositoryInput, String> {
        let (owner, name) = parse_repository(&self.repository.get_untracked())?;
        let api_base_url =
            Some(self.api_base.get_untracked().trim().to_owned()).filter(|base| !base.is_empty());
        if let Some(base) = &api_base_url
            && !(base.starts_with("https://") || base.starts_with("http://"))
        {
            return Err(
                "The Enterprise API base URL starts with https:// (e.g. https://github.example.com/api/v3)."
                    .to_owned(),
            );
        }
        let credentials = match self.auth.get_untracked() {
            AuthChoice::Keep => Credentials::Keep,
            AuthChoice::None => Credentials::None,
            AuthChoice::Token => {
                let token = self.token.get_untracked().trim().to_owned();
                if token.is_empty() {
                    return Err("Enter the access token.".to_owned());
                }
                Credentials::Token { token }
            }
            AuthChoice::App => {
                let number = |value: String, what: &str| {
                    value
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("The {what} is a number."))
                };
                let app_id = number(self.app_id.get_untracked(), "app id")?;
                let installation_id =
                    number(self.installation_id.get_untracked(), "installation id")?;
                let private_key = self.private_key.get_untracked().trim().to_owned();
                if private_key.is_empty() {
                    return Err("Paste the app's private key (PEM).".to_owned());
                }
                Credentials::App {
                    app_id,
                    installation_id,
                    private_key,
                }
            }
        };
        Ok(RepositoryInput {
            id: self.editing.get_untracked().map(|(id, ..)| id),
            owner,
            name,
            api_base_url,
            credentials,
            services: split_services(&self.services.get_untracked()),
        })
    }
}

/// `owner/name`, also from a pasted repository address.
pub fn parse_repository(text: &str) -> Result<(String, String), String> {
    let text = text.trim();
    let parsed = if text.contains("://") || text.contains('@') {
        RepoUrl::parse(text).map(|url| (url.owner, url.name))
    } else {
        text.trim_end_matches('/')
            .split_once('/')
            .filter(|(owner, name)| valid_owner(owner) && valid_name(name))
            .map(|(owner, name)| (owner.to_owned(), name.to_owned()))
    };
    parsed.ok_or_else(|| "Enter the repository as owner/name.".to_owned())
}

/// Service names from a comma- or space-separated list, without repeats.
pub fn split_services(text: &str) -> Vec<String> {
    let mut services: Vec<String> = Vec::new();
    for service in text.split([',', ' ', '\n']).map(str::trim) {
        if !service.is_empty() && !services.iter().any(|s| s == service) {
            services.push(service.to_owned());
        }
    }
    services
}

/// The API base of a GitHub Enterprise host a repository URL names (`https://HOST/api/v3`); `None`
/// for github.com.
pub fn enterprise_api_base(url: &str) -> Option<String> {
    let host = RepoUrl::parse(url)?.host;
    (host != GITHUB_HOST && host != "www.github.com").then(|| format!("https://{host}/api/v3"))
}

/// Linking or editing a repository. `saved` runs after a save.
#[component]
pub fn RepositoryForm(
    form: RepoForm,
    hydrated: Signal<bool>,
    saved: Callback<()>,
) -> impl IntoView {
    let save = Action::new(move |input: &RepositoryInput| {
        let input = input.clone();
        async move {
            let editing = input.id.is_some();
            let result = save_repository(input).await;
            match result {
                Ok(repository) => {
                    form.clear();
                    let verb = if editing { "Saved" } else { "Linked" };
                    form.message.set(Some(Ok(format!(
                        "{verb} {}/{}.",
                        repository.owner, repository.name
                    ))));
                    saved.run(());
                }
                Err(error) => form.message.set(Some(Err(server_message(&error)))),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match form.input() {
            Ok(input) => {
                form.message.set(None);
                save.dispatch(input);
            }
            Err(problem) => form.message.set(Some(Err(problem))),
        }
    };
    let heading = move || match form.editing.get() {
        Some((_, name, _)) => format!("Edit {name}"),
        None => "Link a repository".to_owned(),
    };
    let keep_option = move || {
        form.editing.get().map(|(_, _, auth)| {
            view! {
                <option value="keep">{format!("Keep the current credentials ({})", auth_label(auth))}</option>
            }
        })
    };
    let auth = move || form.auth.get();
    let message = move || {
        form.message.get().map(|outcome| match outcome {
            Ok(done) => view! { <p class="notice ok" role="status">{done}</p> }.into_any(),
            Err(problem) => view! { <p class="notice error" role="alert">{problem}</p> }.into_any(),
        })
    };
    view! {
        <section class="settings-form" aria-labelledby="repository-form-heading">
            <h2 id="repository-form-heading">{heading}</h2>
            <form class="stacked-form" method="post" on:submit=on_submit>
                <label>
                    <span>"Repository"</span>
                    <input
                        type="text"
                        name="repository"
                        required
                        placeholder="owner/name"
                        autocomplete="off"
                        spellcheck="false"
                        node_ref=form.first_field
                        prop:value=move || form.repository.get()
                        on:input=move |ev| form.repository.set(event_target_value(&ev))
                    />
                </label>
                <div class="field">
                    <label for="repository-auth">
                        <span>"Authentication"</span>
                    </label>
                    <select
                        id="repository-auth"
                        name="auth"
                        prop:value=move || form.auth.get().as_str()
                        on:change=move |ev| form.auth.set(AuthChoice::parse(&event_target_value(&ev)))
                    >
                        {keep_option}
                        <option value="token">"Access token"</option>
                        <option value="app">"GitHub App"</option>
                        <option value="none">"None (public repository)"</option>
                    </select>
                </div>
                <Show when=move || auth() == AuthChoice::Token>
                    <div class="field">
                        <label>
                            <span>"Access token"</span>
                            <input
                                type="password"
                                name="token"
                                autocomplete="new-password"
                                spellcheck="false"
                                aria-describedby="token-hint"
                                prop:value=move || form.token.get()
                                on:input=move |ev| form.token.set(event_target_value(&ev))
                            />
                        </label>
                        <small id="token-hint" class="muted">
                            "A fine-grained token with read access to contents, or a classic token with repo scope. It stays on the server."
                        </small>
                    </div>
                </Show>
                <Show when=move || auth() == AuthChoice::App>
                    <div class="form-row">
                        <label>
                            <span>"App id"</span>
                            <input
                                type="text"
                                inputmode="numeric"
                                name="app_id"
                                autocomplete="off"
                                prop:value=move || form.app_id.get()
                                on:input=move |ev| form.app_id.set(event_target_value(&ev))
                            />
                        </label>
                        <label>
                            <span>"Installation id"</span>
                            <input
                                type="text"
                                inputmode="numeric"
                                name="installation_id"
                                autocomplete="off"
                                prop:value=move || form.installation_id.get()
                                on:input=move |ev| form.installation_id.set(event_target_value(&ev))
                            />
                        </label>
                    </div>
                    <label>
                        <span>"Private key (PEM)"</span>
                        <textarea
                            name="private_key"
                            rows="4"
                            autocomplete="off"
                            spellcheck="false"
                            placeholder="-----BEGIN RSA PRIVATE KEY-----"
                            prop:value=move || form.private_key.get()
                            on:input=move |ev| form.private_key.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                </Show>
                <label>
                    <span>"GitHub Enterprise API base URL (optional)"</span>
                    <input
                        type="url"
                        name="api_base_url"
                        placeholder="https://github.example.com/api/v3"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || form.api_base.get()
                        on:input=move |ev| form.api_base.set(event_target_value(&ev))
                    />
                </label>
                <div class="field">
                    <label>
                        <span>"Services (optional, comma-separated)"</span>
                        <input
                            type="text"
                            name="services"
                            list="known-services"
                            placeholder="checkout, billing"
                            autocomplete="off"
                            aria-describedby="services-hint"
                            prop:value=move || form.services.get()
                            on:input=move |ev| form.services.set(event_target_value(&ev))
                        />
                    </label>
                    <small id="services-hint" class="muted">
                        "Services whose spans name this repository are linked to it without being listed."
                    </small>
                </div>
                <div class="form-actions">
                    <button type="submit" disabled=move || !hydrated.get() || pending.get()>
                        {move || if form.editing.get().is_some() { "Save" } else { "Link repository" }}
                    </button>
                    <Show when=move || form.editing.get().is_some()>
                        <button
                            type="button"
                            class="secondary"
                            on:click=move |_| {
                                form.clear();
                                form.message.set(None);
                            }
                        >
                            "Cancel"
                        </button>
                    </Show>
                </div>
                {message}
            </form>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_owner_slash_name() {
        let ok = |owner: &str, name: &str| Ok((owner.to_owned(), name.to_owned()));
        let cases = [
            ("acme/shop", ok("acme", "shop")),
            (" acme/shop.js ", ok("acme", "shop.js")),
            ("https://github.com/acme/shop.git", ok("acme", "shop")),
            ("https://git.acme.io/acme/shop/", ok("acme", "shop")),
            ("git@github.com:acme/shop.git", ok("acme", "shop")),
            (
                "acme",
                Err("Enter the repository as owner/name.".to_owned()),
            ),
            (
                "acme/shop/tree",
                Err("Enter the repository as owner/name.".to_owned()),
            ),
            (
                "/shop",
                Err("Enter the repository as owner/name.".to_owned()),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_repository(text), want, "{text}");
        }
    }

    #[test]
    fn services_are_split_and_deduplicated() {
        assert_eq!(
            split_services("checkout, billing checkout,,"),
            ["checkout", "billing"]
        );
        assert!(split_services("  ").is_empty());
    }

    #[test]
    fn enterprise_hosts_get_an_api_base() {
        let cases = [
            ("https://github.com/acme/shop", None),
            ("git@github.com:acme/shop.git", None),
            (
                "https://git.acme.io/acme/shop",
                Some("https://git.acme.io/api/v3"),
            ),
            (
                "git@git.acme.io:acme/shop.git",
                Some("https://git.acme.io/api/v3"),
            ),
            (
                "ssh://git@git.acme.io/acme/shop",
                Some("https://git.acme.io/api/v3"),
            ),
        ];
        for (url, want) in cases {
            assert_eq!(enterprise_api_base(url).as_deref(), want, "{url}");
        }
    }
}
