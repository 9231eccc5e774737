//! The empty state of a new install: the environment variables that point a service's tracer at this
//! server, with the host the browser reached it at and the configured intake ports, each copyable.

use leptos::prelude::*;

use super::copy_snippet::CopySnippet;
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
