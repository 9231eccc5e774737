//! `/settings/stack-rules` (admins): the services with stack rules and their version; one service's
//! rules in an editor (`?service=`), with the syntax at hand, a Preview of what the change would merge
//! or split among its latest events, and Save. A save names the version it was made from: when
//! someone saved meanwhile it is refused and says so, keeping the text. Faulty lines are listed by
//! number beside the text, each with why.

use domain::explorer::{RuleLineError, RulesRefusal, StackRulesPreview, StackRulesVersion};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{ErrorNotice, Loading, server_message, use_hydrated};
use crate::stack_rules_api::{
    list_stack_rules, preview_stack_rules, save_stack_rules, stack_rules_history,
};

/// The syntax, as the README's grouping section has it.
const SYNTAX: &str =
    "# in-app rules: which frames are the service's own code (the last matching rule wins)
path:**/vendor/acme-sdk/** -app
module:com.acme.* +app
# fingerprint rules: one issue for every matching event (the first matching rule wins)
type:DeadlockDetected message:\"*deadlock*\" -> db-deadlock";

#[component]
pub fn StackRulesSettingsPage() -> impl IntoView {
    let url = use_query_map();
    let service = Memo::new(move |_| {
        url.with(|q| q.get("service"))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    });
    let services = Resource::new(|| (), |()| list_stack_rules());
    view! {
        <Title text="Stack rules" />
        <article class="page settings">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="/settings">"Settings"</a>
            </nav>
            <h1>"Stack rules"</h1>
            <p class="muted settings-intro">
                "Per service: which frames are its own code, and which events share one issue whatever their stack. "
                "Every save is a new version; intake groups with it within seconds."
            </p>
            <section aria-labelledby="services-heading">
                <h2 id="services-heading">"Services with rules"</h2>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match services.await {
                            Ok(list) => service_list(list).into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
                <form class="inline-form" method="get" action="/settings/stack-rules">
                    <label>
                        <span>"Service"</span>
                        <input type="text" name="service" required placeholder="checkout" />
                    </label>
                    <button type="submit">"Edit its rules"</button>
                </form>
            </section>
            {move || {
                service
                    .get()
                    .map(|name| view! { <RulesEditor service=name saved=Callback::new(move |()| services.refetch()) /> })
            }}
        </article>
    }
}

fn service_list(list: Vec<StackRulesVersion>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"No service has rules yet."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|rules| {
            let href = format!(
                "/settings/stack-rules?service={}",
                crate::url::encode(&rules.service)
            );
            view! {
                <tr>
                    <td><a href=href>{rules.service}</a></td>
                    <td>{format!("version {}", rules.version)}</td>
                    <td class="muted">{rules.actor.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="settings-table">
            <thead>
                <tr>
                    <th scope="col">"Service"</th>
                    <th scope="col">"In force"</th>
                    <th scope="col">"Saved by"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

type Refusable<T> = Result<Result<T, RulesRefusal>, ServerFnError>;

/// One service's rules: the text, Preview and Save, with what each answered. The form keeps its text
/// and version after a save (reloading the history here would remount it and drop the answer).
#[component]
fn RulesEditor(service: String, saved: Callback<()>) -> impl IntoView {
    let hydrated = use_hydrated();
    let history = Resource::new(
        {
            let service = service.clone();
            move || service.clone()
        },
        stack_rules_history,
    );
    let heading = format!("Rules of {service}");
    let service = StoredValue::new(service);
    view! {
        <section aria-labelledby="editor-heading">
            <h2 id="editor-heading">{heading}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(versions) => {
                            let current = versions.first();
                            let text = current.map(|v| v.rules.clone()).unwrap_or_default();
                            let version = current.map_or(0, |v| v.version);
                            view! {
                                <EditorForm
                                    service=service.get_value()
                                    text
                                    version
                                    hydrated
                                    saved
                                />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn EditorForm(
    service: String,
    text: String,
    version: i64,
    hydrated: Signal<bool>,
    saved: Callback<()>,
) -> impl IntoView {
    let rules = RwSignal::new(text);
    let based_on = RwSignal::new(version);
    let service = StoredValue::new(service);
    // The faulty lines of the last answer, preview or save, with the text they are in.
    let faulty = RwSignal::new(None::<(String, Vec<RuleLineError>)>);
    let preview: Action<String, Refusable<StackRulesPreview>> =
        Action::new(move |text: &String| {
            let text = text.clone();
            async move {
                let answer = preview_stack_rules(service.get_value(), text.clone()).await;
                faulty.set(invalid_lines(&answer).map(|lines| (text, lines)));
                answer
            }
        });
    let save: Action<(String, i64), Refusable<i64>> =
        Action::new(move |(text, from): &(String, i64)| {
            let (text, from) = (text.clone(), *from);
            async move {
                let answer = save_stack_rules(service.get_value(), text.clone(), from).await;
                faulty.set(invalid_lines(&answer).map(|lines| (text, lines)));
                if let Ok(Ok(version)) = &answer {
                    based_on.set(*version);
                    saved.run(());
                }
                answer
            }
        });
    view! {
        <form class="stacked-form rules-editor" on:submit=move |ev| ev.prevent_default()>
            <p class="muted">
                {move || match based_on.get() {
                    0 => "No rules saved yet.".to_owned(),
                    v => format!("Editing version {v}."),
                }}
            </p>
            <div class="rules-columns">
                <label>
                    <span>"Rules"</span>
                    <textarea
                        name="rules"
                        rows="14"
                        spellcheck="false"
                        prop:value=move || rules.get()
                        on:input=move |ev| rules.set(event_target_value(&ev))
                    >
                        {rules.get_untracked()}
                    </textarea>
                </label>
                {move || faulty.get().map(|(text, lines)| line_errors(&text, lines))}
            </div>
            <div class="form-actions">
                <button
                    type="button"
                    disabled=move || !hydrated.get() || preview.pending().get()
                    on:click=move |_| {
                        preview.dispatch(rules.get_untracked());
                    }
                >
                    "Preview"
                </button>
                <button
                    type="button"
                    class="primary"
                    disabled=move || !hydrated.get() || save.pending().get()
                    on:click=move |_| {
                        save.dispatch((rules.get_untracked(), based_on.get_untracked()));
                    }
                >
                    "Save"
                </button>
            </div>
        </form>
        {move || preview.value().get().map(preview_answer)}
        {move || save.value().get().map(save_answer)}
        <details class="rules-syntax">
            <summary>"Syntax"</summary>
            <p>
                "One rule per line; blank lines and " <code>"#"</code> " comments are ignored. "
                "A rule is matchers " <code>"name:pattern"</code> " (all must match), then an action: "
                <code>"+app"</code> " / " <code>"-app"</code> " (frames by " <code>"path"</code> ", "
                <code>"module"</code> " or " <code>"function"</code> "; the last matching rule wins) or "
                <code>"-> name"</code> " (one issue for every matching event, also by " <code>"type"</code>
                " and " <code>"message"</code> "; the first matching rule wins). Patterns are globs: "
                <code>"*"</code> ", " <code>"**"</code> " (any directories), " <code>"?"</code>
                "; quote patterns with spaces."
            </p>
            <pre><code>{SYNTAX}</code></pre>
        </details>
    }
}

fn invalid_lines<T>(answer: &Refusable<T>) -> Option<Vec<RuleLineError>> {
    match answer {
        Ok(Err(RulesRefusal::Invalid { lines })) => Some(lines.clone()),
        _ => None,
    }
}

/// Each faulty line, numbered, with its text and why.
fn line_errors(text: &str, errors: Vec<RuleLineError>) -> impl IntoView + use<> {
    let lines: Vec<&str> = text.lines().collect();
    let items = errors
        .into_iter()
        .map(|e| {
            let source = lines
                .get(e.line.wrapping_sub(1))
                .copied()
                .unwrap_or("")
                .to_owned();
            view! {
                <li>
                    <span class="line-number">"line " {e.line}</span>
                    " "
                    <code>{source}</code>
                    <span class="error-text">{e.error}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="rule-errors notice error" role="alert" aria-label="Faulty lines">
            {items}
        </ol>
    }
}

fn refusal_notice(refusal: RulesRefusal) -> AnyView {
    match refusal {
        // Listed beside the text.
        RulesRefusal::Invalid { .. } => {
            view! { <p class="notice error" role="alert">{refusal.to_string()}</p> }.into_any()
        }
        RulesRefusal::Stale { current } => view! {
            <div class="notice error" role="alert">
                <p>
                    <strong>"Not saved: someone saved version " {current} " meanwhile."</strong>
                    " Your text is still here; copy it, "
                    <a href="">"reload"</a>
                    " to see theirs, and apply your change to it."
                </p>
            </div>
        }
        .into_any(),
        RulesRefusal::TooLong { .. } => {
            view! { <p class="notice error" role="alert">{refusal.to_string()}</p> }.into_any()
        }
    }
}

fn preview_answer(answer: Refusable<StackRulesPreview>) -> AnyView {
    match answer {
        Ok(Ok(p)) => view! {
            <p class="notice" role="status">
                "Among the latest " {p.events} " events (" {p.issues} " issues): "
                {p.merging} " issues would merge, " {p.splitting} " would split."
            </p>
        }
        .into_any(),
        Ok(Err(refusal)) => refusal_notice(refusal),
        Err(e) => {
            view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
        }
    }
}

fn save_answer(answer: Refusable<i64>) -> AnyView {
    match answer {
        Ok(Ok(version)) => {
            view! { <p class="notice" role="status">"Saved as version " {version} "."</p> }
                .into_any()
        }
        Ok(Err(refusal)) => refusal_notice(refusal),
        Err(e) => {
            view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
        }
    }
}
