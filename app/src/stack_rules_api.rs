//! Server functions of the stack rules settings page. They reach the same rule settings service the
//! JSON API (`/api/v1/stack-rules`) uses; a refused preview or save (faulty lines, saved meanwhile)
//! is an answer for the editor, not an error.

use domain::explorer::{RulesRefusal, StackRulesPreview, StackRulesVersion};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::api::ssr;

/// `POST /api/ui/stack-rules`: the rules in force, per service that has some.
#[server(prefix = "/api/ui", endpoint = "stack-rules", input = Json)]
pub async fn list_stack_rules() -> Result<Vec<StackRulesVersion>, ServerFnError> {
    ssr::backend()?
        .0
        .stack_rules()
        .await
        .map_err(|e| ssr::failed("list stack rules", e))
}

/// `POST /api/ui/stack-rules/history`: every version of one service's rules, newest first.
#[server(prefix = "/api/ui", endpoint = "stack-rules/history", input = Json)]
pub async fn stack_rules_history(service: String) -> Result<Vec<StackRulesVersion>, ServerFnError> {
    ssr::backend()?
        .0
        .stack_rules_history(service)
        .await
        .map_err(|e| ssr::failed("load the stack rules", e))
}

/// `POST /api/ui/stack-rules/preview`: what `rules` would merge and split among the service's
/// latest events.
#[server(prefix = "/api/ui", endpoint = "stack-rules/preview", input = Json)]
pub async fn preview_stack_rules(
    service: String,
    rules: String,
) -> Result<Result<StackRulesPreview, RulesRefusal>, ServerFnError> {
    ssr::backend()?
        .0
        .preview_stack_rules(service, rules)
        .await
        .map_err(|e| ssr::failed("preview the stack rules", e))
}

/// `POST /api/ui/stack-rules/save`: saves `rules` as the next version, if `based_on` is still the
/// newest.
#[server(prefix = "/api/ui", endpoint = "stack-rules/save", input = Json)]
pub async fn save_stack_rules(
    service: String,
    rules: String,
    based_on: i64,
) -> Result<Result<i64, RulesRefusal>, ServerFnError> {
    ssr::backend()?
        .0
        .save_stack_rules(service, rules, based_on)
        .await
        .map_err(|e| ssr::failed("save the stack rules", e))
}
