//! The empty state of a new install: the environment variables that point a service's tracer at this
//! server, with the host the browser reached it at and the configured intake ports, each copyable.

use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys::js_sys::{Function, Reflect};

use super::states::use_hydrated;
use crate::api::{IntakeAddresses, IntakePort};

#[component]
pub fn GettingStarted(intake: IntakeAddresses) -> impl IntoView {
    let snippet = |variable: &'static str, port: Option<IntakePort>, flag: &'static str| {
        match port {
        Some(port) => {
            let text = format!("{variable}={}", intake.url(port));
            let warning = port.loopback_only.then(|| {
                view! {
                    <p class="notice warning">
                        "This port listens on a loopback address: only services on the Stackprint machine reach it. "
                        "Start Stackprint with " <code>{format!("{flag} 0.0.0.0:{}", port.port)}</code>
                        " to accept other machines."
                    </p>
                }
            });
            view! {
                <CopySnippet text label=variable />
                {warning}
            }
            .into_any()
        }
        None => view! {
            <p class="muted">"This intake is off; start Stackprint with " <code>{flag}</code> " to turn it on."</p>
        }
        .into_any(),
    }
    };
    let unknown_host = intake.host.is_none().then(|| {
        view! {
            <p class="muted">
                "Replace " <code>"<host>"</code> " with an address of this server the service can reach."
            </p>
        }
    });
    view! {
        <section class="getting-started" aria-labelledby="getting-started">
            <h2 id="getting-started">"No errors yet"</h2>
            <p>
                "Stackprint tracks the errors your services' tracing libraries report. "
                "Set one of these in a service's environment and restart it; its first error shows up here."
            </p>
            <h3>"Datadog tracing libraries"</h3>
            {snippet("DD_TRACE_AGENT_URL", intake.agent, "--agent-listen")}
            <h3>"OpenTelemetry SDKs"</h3>
            {snippet("OTEL_EXPORTER_OTLP_ENDPOINT", intake.otlp, "--otlp-listen")}
            {unknown_host}
        </section>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Not,
    Yes,
    /// No clipboard access (plain `http://` to another machine): the text is selected instead.
    Selected,
}

/// A one-line snippet, selectable with one click before the WASM loads (`user-select: all`), with a
/// Copy button once it runs.
#[component]
pub fn CopySnippet(text: String, label: &'static str) -> impl IntoView {
    let hydrated = use_hydrated();
    let copied = RwSignal::new(Copied::Not);
    let code = NodeRef::<html::Code>::new();
    let button = {
        let text = text.clone();
        move || {
            let text = text.clone();
            hydrated.get().then(|| {
                let on_click = move |_| {
                    let Some(node) = code.get_untracked() else {
                        return;
                    };
                    copy(&text, node.into(), move |done| copied.set(done));
                };
                view! {
                    <button
                        type="button"
                        class="secondary copy"
                        aria-label=format!("Copy {label}")
                        on:click=on_click
                    >
                        {move || match copied.get() {
                            Copied::Not => "Copy",
                            Copied::Yes => "Copied",
                            Copied::Selected => "Selected: press Ctrl+C",
                        }}
                    </button>
                }
            })
        }
    };
    view! {
        <div class="snippet" data-snippet=label>
            <pre>
                <code node_ref=code style="user-select: all; -webkit-user-select: all">
                    {text}
                </code>
            </pre>
            {button}
        </div>
    }
}

/// Writes `text` to the clipboard (`navigator.clipboard`, secure contexts only), else selects `node`
/// and tries `document.execCommand("copy")`. Browser only.
fn copy(text: &str, node: JsValue, done: impl Fn(Copied) + Clone + 'static) {
    let fallback = {
        let done = done.clone();
        move || {
            let selection = call(&window().into(), "getSelection", &[]);
            if let Some(selection) = selection {
                call(&selection, "selectAllChildren", std::slice::from_ref(&node));
            }
            let copied = call(
                &document().into(),
                "execCommand",
                &[JsValue::from_str("copy")],
            )
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
            done(if copied {
                Copied::Yes
            } else {
                Copied::Selected
            });
        }
    };
    let clipboard = Reflect::get(&window(), &JsValue::from_str("navigator"))
        .and_then(|navigator| Reflect::get(&navigator, &JsValue::from_str("clipboard")))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(promise) = clipboard.and_then(|c| call(&c, "writeText", &[JsValue::from_str(text)]))
    else {
        fallback();
        return;
    };
    let resolved = leptos::wasm_bindgen::closure::Closure::once_into_js(move || done(Copied::Yes));
    let rejected = leptos::wasm_bindgen::closure::Closure::once_into_js(fallback);
    call(&promise, "then", &[resolved, rejected]);
}

/// `target[name](...args)`; `None` when it is not a function or throws.
fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Option<JsValue> {
    let function: Function = Reflect::get(target, &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()?;
    let args: leptos::web_sys::js_sys::Array = args.iter().collect();
    function.apply(target, &args).ok()
}
