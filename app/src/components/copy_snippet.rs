//! A one-line text to copy (an environment variable, an invitation link, a new API token):
//! selectable with one click before the WASM loads, with a Copy button once it runs.

use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys::js_sys::{Function, Reflect};

use super::states::use_hydrated;

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
