//! Who is triaging: a name typed once in the top bar, kept in the browser's `localStorage`
//! (`stackprint.actor`) and recorded with every status change. Without one, changes are recorded as
//! made by `web` ([`crate::api::DEFAULT_ACTOR`]). Stackprint has no accounts; the name is a label.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys::js_sys::{Function, Reflect};

use crate::api::{DEFAULT_ACTOR, MAX_ACTOR_CHARS};

const STORAGE_KEY: &str = "stackprint.actor";

/// The name status changes are recorded with; empty for [`DEFAULT_ACTOR`].
#[derive(Debug, Clone, Copy)]
pub struct Actor(pub RwSignal<String>);

impl Actor {
    /// The actor's name for a status change, `None` for the default.
    pub fn name(self) -> Option<String> {
        let name = self.0.get_untracked();
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_owned())
    }
}

/// Puts the [`Actor`] in context; in the browser it is read from `localStorage` after hydration.
pub fn provide_actor() {
    let name = RwSignal::new(String::new());
    // Effects run only in the browser, after hydration: the server knows no name.
    Effect::new(move |_| {
        if let Some(saved) = storage_call("getItem", &[STORAGE_KEY]).and_then(|v| v.as_string()) {
            name.set(saved);
        }
    });
    provide_context(Actor(name));
}

pub fn use_actor() -> Actor {
    use_context::<Actor>().unwrap_or_else(|| Actor(RwSignal::new(String::new())))
}

/// The top bar's name field.
#[component]
pub fn ActorField() -> impl IntoView {
    let Actor(name) = use_actor();
    let on_change = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev).trim().to_owned();
        name.set(value.clone());
        if value.is_empty() {
            storage_call("removeItem", &[STORAGE_KEY]);
        } else {
            storage_call("setItem", &[STORAGE_KEY, &value]);
        }
    };
    view! {
        <label class="actor-field" title="Recorded with the status changes you make">
            <span>"Triage as"</span>
            <input
                type="text"
                name="actor"
                autocomplete="nickname"
                placeholder=DEFAULT_ACTOR
                maxlength=MAX_ACTOR_CHARS.to_string()
                prop:value=move || name.get()
                on:change=on_change
            />
        </label>
    }
}

/// Calls a method of `window.localStorage` with string arguments; `None` where storage is missing
/// or refused (private windows, blocked cookies). Browser only.
fn storage_call(method: &str, args: &[&str]) -> Option<JsValue> {
    let storage = Reflect::get(&window(), &JsValue::from_str("localStorage")).ok()?;
    if storage.is_null() || storage.is_undefined() {
        return None;
    }
    let function: Function = Reflect::get(&storage, &JsValue::from_str(method))
        .ok()?
        .dyn_into()
        .ok()?;
    let args: Vec<JsValue> = args.iter().map(|a| JsValue::from_str(a)).collect();
    let result = match args.as_slice() {
        [key] => function.call1(&storage, key),
        [key, value] => function.call2(&storage, key, value),
        _ => return None,
    };
    result.ok()
}
