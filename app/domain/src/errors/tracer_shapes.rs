//! Trace shapes modelled on what real tracers send (see TRACERS.md).

use super::SkipReason;
use super::fixtures::{Build, Case, check, span, stack_of};
use crate::span::{Protocol, SpanKind};

#[test]
fn which_spans_become_events() {
    use Protocol::{Datadog, Otlp};
    use SpanKind::{Client, Internal, Server};
    let cases = vec![
        Case {
            name: "ddtrace + Flask: entry without tags, duplicated details, closest wins",
            protocol: Datadog,
            trace: vec![
                span(4, 3, "web", "views.boom")
                    .err()
                    .details("ValueError")
                    .start(0),
                span(1, 0, "web", "flask.request")
                    .err()
                    .with("span.kind", "server")
                    .top_level(),
                span(2, 1, "web", "flask.application").err(),
                span(3, 2, "web", "flask.dispatch_request")
                    .err()
                    .details("ValueError"),
                span(5, 1, "postgres", "postgres.query")
                    .err()
                    .kind(Client)
                    .details("OperationalError"),
            ],
            events: &[("web", 1, 3, "ValueError message")],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "dd-trace-js + Express: root carries tags, top-level client spans are not entries",
            protocol: Datadog,
            trace: vec![
                span(1, 0, "api", "express.request")
                    .err()
                    .kind(Server)
                    .details("Error"),
                span(2, 1, "api", "express.middleware"),
                span(3, 0, "api", "dns.lookup")
                    .err()
                    .with("span.kind", "client")
                    .top_level()
                    .details("Error"),
                span(4, 999, "api", "tcp.connect")
                    .err()
                    .kind(Client)
                    .top_level()
                    .details("Error"),
            ],
            events: &[("api", 1, 1, "Error message")],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "OTel Python: SERVER span with the exception",
            protocol: Otlp,
            trace: vec![
                span(2, 1, "shop", "render").kind(Internal),
                span(1, 0, "shop", "GET /boom")
                    .err()
                    .kind(Server)
                    .details("app.errors.PaymentError"),
            ],
            events: &[("shop", 1, 1, "app.errors.PaymentError message")],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "OTel JS + Express: SERVER errored, INTERNAL request handler carries the exception",
            protocol: Otlp,
            trace: vec![
                span(1, 0, "front", "GET /boom").err().kind(Server),
                span(2, 1, "front", "middleware - query").kind(Internal),
                span(3, 1, "front", "request handler - /boom")
                    .err()
                    .kind(Internal)
                    .details("Error"),
            ],
            events: &[("front", 1, 3, "Error message")],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "OTLP batch: an INTERNAL span whose parent comes later is not an entry",
            protocol: Otlp,
            trace: vec![
                span(3, 1, "front", "request handler - /boom")
                    .err()
                    .kind(Internal)
                    .details("Error"),
            ],
            events: &[],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "handled child error under a successful entry",
            protocol: Datadog,
            trace: vec![
                span(1, 0, "web", "flask.request").kind(Server),
                span(2, 1, "web", "retry").err().details("TimeoutError"),
            ],
            events: &[],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "errored entry without usable details (a child lacks the stack)",
            protocol: Datadog,
            trace: vec![
                span(1, 0, "web", "flask.request").err(),
                span(2, 1, "web", "flask.dispatch_request")
                    .err()
                    .with("error.type", "ValueError")
                    .with("error.message", "no stack"),
            ],
            events: &[],
            skipped: &["web"],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "two services erroring in one trace: one event each, details never cross services",
            protocol: Datadog,
            trace: vec![
                span(1, 0, "front", "express.request").err(),
                span(2, 1, "front", "http.request").err().kind(Client),
                span(3, 2, "back", "flask.request")
                    .err()
                    .details("KeyError")
                    .start(0),
                span(4, 1, "front", "handler").kind(Internal),
                span(5, 4, "front", "render").err().details("TypeError"),
            ],
            events: &[
                ("back", 3, 3, "KeyError message"),
                ("front", 1, 5, "TypeError message"),
            ],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "a service called twice has two entry spans",
            protocol: Datadog,
            trace: vec![
                span(1, 0, "front", "express.request"),
                span(2, 1, "front", "http.request").kind(Client),
                span(3, 2, "back", "flask.request")
                    .err()
                    .details("KeyError"),
                span(4, 1, "front", "http.request").kind(Client),
                span(5, 4, "back", "flask.request")
                    .err()
                    .details("IndexError"),
            ],
            events: &[
                ("back", 3, 3, "KeyError message"),
                ("back", 5, 5, "IndexError message"),
            ],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "partial chunk: missing parent makes an entry; another service's details are not used",
            protocol: Datadog,
            trace: vec![
                span(10, 999, "web", "flask.dispatch_request").err(),
                span(11, 10, "worker", "celery.apply")
                    .err()
                    .details("RuntimeError"),
            ],
            events: &[("worker", 11, 11, "RuntimeError message")],
            skipped: &["web"],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "legacy error.msg",
            protocol: Otlp,
            trace: vec![
                span(1, 0, "api", "GET /x")
                    .err()
                    .kind(Server)
                    .with("error.type", "Error")
                    .with("error.msg", "legacy spelling")
                    .with(
                        "error.stack",
                        "Error: legacy spelling\n    at handler (/app/src/x.js:1:2)\n",
                    ),
            ],
            events: &[("api", 1, 1, "legacy spelling")],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
        Case {
            name: "an empty message still counts: raise ValueError()",
            protocol: Datadog,
            trace: vec![
                span(1, 0, "web", "flask.request")
                    .err()
                    .with("error.type", "ValueError")
                    .with("error.message", "")
                    .with("error.stack", &stack_of("ValueError")),
            ],
            events: &[("web", 1, 1, "")],
            skipped: &[],
            reason: SkipReason::MissingErrorDetails,
        },
    ];
    check(cases);
}
