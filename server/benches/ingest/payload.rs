//! Realistic Datadog payloads: web requests of `spans_per_trace` spans (an entry span, database and
//! HTTP client children), a share of them failing with one of ~200 distinct bugs (Python stacks) in 19
//! services. Traces are spread over the last 7 days, across 3 environments, 20 hosts and 12 releases;
//! a few bugs fail often and most rarely, so the explorer has busy issues and small ones. Every trace
//! and span id is new.

use std::collections::HashMap;

use rmp::encode;

#[derive(Debug, Clone, Copy)]
pub enum Version {
    V04,
    V05,
}

impl Version {
    pub fn path(self) -> &'static str {
        match self {
            Self::V04 => "/v0.4/traces",
            Self::V05 => "/v0.5/traces",
        }
    }

    pub fn content_type(self) -> &'static str {
        "application/msgpack"
    }
}

const ERROR_TYPES: [&str; 10] = [
    "ValueError",
    "KeyError",
    "TimeoutError",
    "ConnectionError",
    "PermissionError",
    "RuntimeError",
    "TypeError",
    "LookupError",
    "OSError",
    "ZeroDivisionError",
];
const FUNCTIONS: usize = 20;
const SERVICES: u64 = 19;
const BUGS: u64 = (ERROR_TYPES.len() * FUNCTIONS) as u64;
const ENVS: [&str; 3] = ["prod", "staging", "dev"];
const WEEK_NS: u64 = 7 * 86_400 * 1_000_000_000;

struct Span {
    service: String,
    name: &'static str,
    resource: String,
    trace_id: u64,
    span_id: u64,
    parent_id: u64,
    start: i64,
    duration: i64,
    error: bool,
    meta: Vec<(&'static str, String)>,
    metrics: Vec<(&'static str, f64)>,
    kind: &'static str,
}

/// The shape of one phase's traffic.
#[derive(Debug, Clone, Copy)]
pub struct Traffic {
    pub spans_per_trace: usize,
    /// Share of traces whose entry span failed.
    pub error_ratio: f64,
    /// Share of errored traces whose details sit on a child span (`flask.dispatch_request`, as ddtrace
    /// reports Flask errors) rather than on the entry span.
    pub child_details_ratio: f64,
    /// Messages name the order that failed (a new text almost every event); otherwise they come from
    /// a few texts per bug, as when one broken dependency fails every request the same way.
    pub unique_messages: bool,
}

impl Traffic {
    /// Everyday traffic: 20-span traces, 2% errored.
    pub const MIXED: Self = Self {
        spans_per_trace: 20,
        error_ratio: 0.02,
        child_details_ratio: 0.0,
        unique_messages: true,
    };
    /// An incident: every trace errored, half of them with details on a child.
    pub const STORM: Self = Self {
        spans_per_trace: 20,
        error_ratio: 1.0,
        child_details_ratio: 0.5,
        unique_messages: false,
    };
    /// Small errored traces, to store many events quickly before the latency phase.
    pub const ERROR_HEAVY: Self = Self {
        spans_per_trace: 3,
        error_ratio: 1.0,
        child_details_ratio: 0.0,
        unique_messages: true,
    };
}

pub struct Generator {
    seed: u64,
    /// Unix nanoseconds when the bench started; traces fall in the week before.
    now_ns: i64,
    next_id: u64,
    traffic: Traffic,
}

impl Generator {
    pub fn new(worker: u64, traffic: Traffic) -> Self {
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Self {
            seed: worker.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            now_ns,
            next_id: (worker + 1) << 40,
            traffic,
        }
    }

    fn chance(&mut self, ratio: f64) -> bool {
        ((self.random() % 10_000) as f64 / 10_000.0) < ratio
    }

    fn random(&mut self) -> u64 {
        // xorshift64*: deterministic per worker, no dependency.
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Skewed towards 0: bug 0 fails in about a sixth of the errored traces, bug 199 in one in 600.
    fn skewed(&mut self, n: u64) -> u64 {
        let x = (self.random() >> 11) as f64 / (1u64 << 53) as f64;
        ((x * x * x) * n as f64) as u64
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// One request body with `traces` traces; returns it and how many traces are errored.
    pub fn payload(&mut self, version: Version, traces: usize) -> (Vec<u8>, u64) {
        let mut all = Vec::with_capacity(traces);
        let mut errored = 0;
        for _ in 0..traces {
            let error = self.chance(self.traffic.error_ratio);
            errored += u64::from(error);
            all.push(self.trace(error));
        }
        let body = match version {
            Version::V04 => encode_v04(&all),
            Version::V05 => encode_v05(&all),
        };
        (body, errored)
    }

    fn trace(&mut self, error: bool) -> Vec<Span> {
        let trace_id = self.id();
        let bug = self.skewed(BUGS);
        let service = format!("bench-{}", bug % SERVICES);
        let order = self.random() % 1_000_000;
        let now = self.now_ns - (self.random() % WEEK_NS) as i64;
        let env = ENVS[(self.random() % ENVS.len() as u64) as usize];
        let minor = self.random() % 4;
        let version = format!("1.{minor}.{}", self.random() % 3);
        let host = format!("host-{}", self.random() % 20);
        let root_id = self.id();
        let mut meta = vec![
            ("env", env.to_string()),
            ("version", version.clone()),
            ("_dd.hostname", host),
            ("http.method", "GET".to_string()),
            ("http.url", format!("http://shop.internal/orders/{order}")),
            (
                "http.status_code",
                if error { "500" } else { "200" }.to_string(),
            ),
            ("component", "flask".to_string()),
            ("span.kind", "server".to_string()),
            ("language", "python".to_string()),
        ];
        let details = error.then(|| {
            let error_type = ERROR_TYPES[(bug as usize) % ERROR_TYPES.len()];
            let function = bug as usize / ERROR_TYPES.len();
            let subject = if self.traffic.unique_messages {
                format!("order {order}")
            } else {
                "checkout".to_string()
            };
            let message = if bug.is_multiple_of(4) {
                let timeout = if self.traffic.unique_messages {
                    self.random() % 5000
                } else {
                    [1000, 2000, 5000, 10_000][(self.random() % 4) as usize]
                };
                format!("{subject} failed: upstream timeout after {timeout}ms")
            } else {
                format!("{subject} failed: bad input in field {}", bug % 7)
            };
            vec![
                ("error.type", format!("builtins.{error_type}")),
                (
                    "error.stack",
                    python_stack(error_type, function, &message, minor + 40),
                ),
                ("error.message", message),
            ]
        });
        let on_child = error && self.chance(self.traffic.child_details_ratio);
        let mut child_details = None;
        if let Some(details) = details {
            if on_child {
                child_details = Some(details);
            } else {
                meta.extend(details);
            }
        }
        let mut spans = vec![Span {
            service: service.clone(),
            name: "flask.request",
            resource: format!("GET /orders/{}", bug % 7),
            trace_id,
            span_id: root_id,
            parent_id: 0,
            start: now,
            duration: 25_000_000,
            error,
            meta,
            metrics: vec![
                ("_dd.top_level", 1.0),
                ("_sampling_priority_v1", 1.0),
                ("process_id", 4242.0),
            ],
            kind: "web",
        }];
        if let Some(details) = child_details {
            let mut meta = vec![
                ("env", env.to_string()),
                ("version", version.clone()),
                ("component", "flask".to_string()),
            ];
            meta.extend(details);
            spans.push(Span {
                service: service.clone(),
                name: "flask.dispatch_request",
                resource: spans[0].resource.clone(),
                trace_id,
                span_id: self.id(),
                parent_id: root_id,
                start: now + 100_000,
                duration: 24_000_000,
                error: true,
                meta,
                metrics: vec![],
                kind: "web",
            });
        }
        for i in spans.len()..self.traffic.spans_per_trace {
            let sql = i % 2 == 0;
            let span_id = self.id();
            spans.push(Span {
                service: service.clone(),
                name: if sql {
                    "postgres.query"
                } else {
                    "http.request"
                },
                resource: if sql {
                    "SELECT * FROM orders WHERE id = ?".to_string()
                } else {
                    "GET /inventory".to_string()
                },
                trace_id,
                span_id,
                parent_id: root_id,
                start: now + i as i64 * 1_000_000,
                duration: 900_000,
                error: false,
                meta: vec![
                    ("env", env.to_string()),
                    ("version", version.clone()),
                    ("span.kind", "client".to_string()),
                    (
                        "component",
                        if sql { "psycopg" } else { "requests" }.to_string(),
                    ),
                ],
                metrics: vec![],
                kind: if sql { "sql" } else { "http" },
            });
        }
        spans
    }
}

/// One release directory per deployed version, as a deploy tool lays them out.
fn python_stack(error_type: &str, function: usize, message: &str, release: u64) -> String {
    format!(
        "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.12/site-packages/flask/app.py\", line 880, in full_dispatch_request\n    rv = self.dispatch_request()\n  File \"/srv/shop/releases/{release}/shop/views.py\", line 42, in show_order\n    return handle_{function}(order_id)\n  File \"/srv/shop/releases/{release}/shop/orders.py\", line {}, in handle_{function}\n    raise {error_type}(msg)\n{error_type}: {message}\n",
        100 + release
    )
}

fn encode_v04(traces: &[Vec<Span>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(traces.len() * 4096);
    let w = &mut out;
    // Writes to a Vec cannot fail.
    let _ = encode::write_array_len(w, traces.len() as u32);
    for trace in traces {
        let _ = encode::write_array_len(w, trace.len() as u32);
        for span in trace {
            let _ = encode::write_map_len(w, 12);
            let _ = encode::write_str(w, "service");
            let _ = encode::write_str(w, &span.service);
            let _ = encode::write_str(w, "name");
            let _ = encode::write_str(w, span.name);
            let _ = encode::write_str(w, "resource");
            let _ = encode::write_str(w, &span.resource);
            let _ = encode::write_str(w, "trace_id");
            let _ = encode::write_uint(w, span.trace_id);
            let _ = encode::write_str(w, "span_id");
            let _ = encode::write_uint(w, span.span_id);
            let _ = encode::write_str(w, "parent_id");
            let _ = encode::write_uint(w, span.parent_id);
            let _ = encode::write_str(w, "start");
            let _ = encode::write_sint(w, span.start);
            let _ = encode::write_str(w, "duration");
            let _ = encode::write_sint(w, span.duration);
            let _ = encode::write_str(w, "error");
            let _ = encode::write_sint(w, i64::from(span.error));
            let _ = encode::write_str(w, "type");
            let _ = encode::write_str(w, span.kind);
            let _ = encode::write_str(w, "meta");
            let _ = encode::write_map_len(w, span.meta.len() as u32);
            for (k, v) in &span.meta {
                let _ = encode::write_str(w, k);
                let _ = encode::write_str(w, v);
            }
            let _ = encode::write_str(w, "metrics");
            let _ = encode::write_map_len(w, span.metrics.len() as u32);
            for (k, v) in &span.metrics {
                let _ = encode::write_str(w, k);
                let _ = encode::write_f64(w, *v);
            }
        }
    }
    out
}

/// v0.5: `[string_table, traces]`, each span a 12-element array of string-table indices and numbers.
fn encode_v05(traces: &[Vec<Span>]) -> Vec<u8> {
    let mut table: Vec<String> = vec![String::new()];
    let mut index: HashMap<String, u32> = HashMap::from([(String::new(), 0)]);
    let mut intern = |s: &str| -> u32 {
        if let Some(i) = index.get(s) {
            return *i;
        }
        let i = table.len() as u32;
        table.push(s.to_string());
        index.insert(s.to_string(), i);
        i
    };
    let mut body = Vec::with_capacity(traces.len() * 2048);
    let w = &mut body;
    let _ = encode::write_array_len(w, traces.len() as u32);
    for trace in traces {
        let _ = encode::write_array_len(w, trace.len() as u32);
        for span in trace {
            let _ = encode::write_array_len(w, 12);
            let _ = encode::write_uint(w, u64::from(intern(&span.service)));
            let _ = encode::write_uint(w, u64::from(intern(span.name)));
            let _ = encode::write_uint(w, u64::from(intern(&span.resource)));
            let _ = encode::write_uint(w, span.trace_id);
            let _ = encode::write_uint(w, span.span_id);
            let _ = encode::write_uint(w, span.parent_id);
            let _ = encode::write_sint(w, span.start);
            let _ = encode::write_sint(w, span.duration);
            let _ = encode::write_sint(w, i64::from(span.error));
            let _ = encode::write_map_len(w, span.meta.len() as u32);
            for (k, v) in &span.meta {
                let _ = encode::write_uint(w, u64::from(intern(k)));
                let _ = encode::write_uint(w, u64::from(intern(v)));
            }
            let _ = encode::write_map_len(w, span.metrics.len() as u32);
            for (k, v) in &span.metrics {
                let _ = encode::write_uint(w, u64::from(intern(k)));
                let _ = encode::write_f64(w, *v);
            }
            let _ = encode::write_uint(w, u64::from(intern(span.kind)));
        }
    }
    let mut out = Vec::with_capacity(body.len() + table.len() * 16);
    let _ = encode::write_array_len(&mut out, 2);
    let _ = encode::write_array_len(&mut out, table.len() as u32);
    for s in &table {
        let _ = encode::write_str(&mut out, s);
    }
    out.extend_from_slice(&body);
    out
}
