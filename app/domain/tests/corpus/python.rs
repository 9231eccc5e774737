//! Python: a Django view over the project's `shop` package, as ddtrace reports it (`error.type` is
//! `module.Name`, `builtins.KeyError` for builtins), under container, venv, Debian dist-packages, CI,
//! Windows and conda layouts, on Python 3.10 / 3.11 / 3.12 (carets since 3.11, comprehension frames
//! inlined since 3.12) and Django 4.1 / 4.2 / 5.0 (another line in the handlers, ddtrace's wrapper).
//! One layout installs the service's own package as a wheel into site-packages, which the service's
//! stack rule (`path:**/site-packages/shop/** +app`) makes application code again.

use super::{Case, Root, Variant, never_tracked};
use domain::stacktrace::Language;

struct Layout {
    name: &'static str,
    root: Root,
    /// Where packages are installed, `{py}` standing for the version (`3.12`).
    deps: &'static str,
    /// The standard library.
    stdlib: &'static str,
}

/// The service's rule for the layout where its own package is installed like any other.
const RULES: &str = "path:**/site-packages/shop/** +app";

const LAYOUTS: [Layout; 7] = [
    Layout {
        name: "docker",
        root: Root("/app"),
        deps: "/usr/local/lib/python{py}/site-packages",
        stdlib: "/usr/local/lib/python{py}",
    },
    Layout {
        name: "capistrano venv",
        root: Root("/srv/shop/releases/20261201120000"),
        deps: "/srv/shop/shared/venv/lib/python{py}/site-packages",
        stdlib: "/usr/lib/python{py}",
    },
    Layout {
        name: "debian dist-packages",
        root: Root("/home/deploy/shop/current"),
        deps: "/usr/lib/python3/dist-packages",
        stdlib: "/usr/lib/python{py}",
    },
    Layout {
        name: "github actions",
        root: Root("/home/runner/work/shop/shop"),
        deps: "/home/runner/work/shop/shop/.venv/lib/python{py}/site-packages",
        stdlib: "/opt/hostedtoolcache/Python/{py}.1/x64/lib/python{py}",
    },
    Layout {
        name: "windows iis",
        root: Root(r"C:\inetpub\wwwroot\shop"),
        deps: r"C:\inetpub\wwwroot\shop\.venv\Lib\site-packages",
        stdlib: r"C:\Python{py}\Lib",
    },
    Layout {
        name: "wheel in site-packages",
        root: Root("/usr/local/lib/python{py}/site-packages"),
        deps: "/usr/local/lib/python{py}/site-packages",
        stdlib: "/usr/local/lib/python{py}",
    },
    Layout {
        name: "conda, unknown root",
        root: Root("/mnt/disk2/svc-7"),
        deps: "/opt/conda/lib/python{py}/site-packages",
        stdlib: "/opt/conda/lib/python{py}",
    },
];

struct Version {
    python: &'static str,
    /// Django's `inner` and `_get_response` lines.
    django: (u32, u32),
    /// ddtrace's Django wrapper sits between the handlers (newer ddtrace).
    ddtrace: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        python: "3.10",
        django: (47, 181),
        ddtrace: false,
    },
    Version {
        python: "3.11",
        django: (55, 197),
        ddtrace: false,
    },
    Version {
        python: "3.12",
        django: (42, 181),
        ddtrace: true,
    },
];

struct Stack<'a> {
    layout: &'a Layout,
    version: &'a Version,
    text: String,
}

impl<'a> Stack<'a> {
    fn new(layout: &'a Layout, version: &'a Version) -> Self {
        Self {
            layout,
            version,
            text: "Traceback (most recent call last):\n".to_owned(),
        }
    }

    fn dir(&self, template: &str) -> String {
        let py = if self.layout.root.0.contains('\\') {
            self.version.python.replace('.', "")
        } else {
            self.version.python.to_owned()
        };
        template.replace("{py}", &py)
    }

    fn frame(&mut self, file: String, line: u32, function: &str, source: &str, caret: bool) {
        self.text.push_str(&format!(
            "  File \"{file}\", line {line}, in {function}\n    {source}\n"
        ));
        if caret && self.version.python != "3.10" {
            let indent = source.find('(').unwrap_or(0).min(12);
            let width = source.len().saturating_sub(indent).max(1);
            self.text.push_str(&format!(
                "    {}{}\n",
                " ".repeat(indent),
                "^".repeat(width)
            ));
        }
    }

    fn app(&mut self, relative: &str, line: u32, function: &str, source: &str) {
        let file = join(&self.dir(self.layout.root.0), relative);
        self.frame(file, line, function, source, true);
    }

    fn dep(&mut self, relative: &str, line: u32, function: &str, source: &str) {
        let file = join(&self.dir(self.layout.deps), relative);
        self.frame(file, line, function, source, false);
    }

    fn std(&mut self, relative: &str, line: u32, function: &str, source: &str) {
        let file = join(&self.dir(self.layout.stdlib), relative);
        self.frame(file, line, function, source, false);
    }

    fn django(&mut self) {
        let (inner, get_response) = self.version.django;
        self.dep(
            "django/core/handlers/exception.py",
            inner,
            "inner",
            "response = get_response(request)",
        );
        if self.version.ddtrace {
            self.dep(
                "ddtrace/contrib/internal/django/patch.py",
                144,
                "wrapped",
                "return func(*args, **kwargs)",
            );
        }
        self.dep(
            "django/core/handlers/base.py",
            get_response,
            "_get_response",
            "response = wrapped_callback(request, *callback_args, **callback_kwargs)",
        );
    }

    fn end(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }
}

fn join(dir: &str, relative: &str) -> String {
    if dir.contains('\\') {
        format!("{dir}\\{}", relative.replace('/', "\\"))
    } else {
        format!("{dir}/{relative}")
    }
}

/// One event of `variant` under `layout` and `version`; `n` varies ids and lines between events.
fn case(variant: Variant, layout: &Layout, version: &Version, n: u32) -> Case {
    let mut s = Stack::new(layout, version);
    let shift = n % 4;
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            let function = if variant == Variant::OtherFunction {
                "subtotal"
            } else {
                "total"
            };
            s.django();
            s.app(
                "shop/views.py",
                30 + shift,
                "checkout",
                "amount = cart.total() + cart.shipping()",
            );
            if variant == Variant::OtherFunction {
                s.app(
                    "shop/cart.py",
                    20 + shift,
                    "total",
                    "return self.subtotal() + self.tax()",
                );
            }
            s.app(
                "shop/cart.py",
                12 + shift,
                function,
                "return sum([self.prices[sku] * self.quantities[sku] for sku in self.skus])",
            );
            if version.python != "3.12" {
                s.app(
                    "shop/cart.py",
                    12 + shift,
                    "<listcomp>",
                    "return sum([self.prices[sku] * self.quantities[sku] for sku in self.skus])",
                );
            }
            if variant == Variant::OtherType {
                let message = "unsupported operand type(s) for *: 'NoneType' and 'int'";
                s.end(&format!("TypeError: {message}"));
                ("builtins.TypeError", message.to_owned())
            } else {
                let message = format!("'sku-{}'", 100 + n);
                s.end(&format!("KeyError: {message}"));
                ("builtins.KeyError", message)
            }
        }
        Variant::CauseA | Variant::CauseB => {
            s.text.clear();
            s.text.push_str("Traceback (most recent call last):\n");
            s.app(
                "shop/payments.py",
                41 + shift,
                "charge",
                "receipt = requests.post(self.url, json=payload, timeout=5).json()",
            );
            if variant == Variant::CauseA {
                s.dep(
                    "requests/api.py",
                    115,
                    "post",
                    "return request(\"post\", url, data=data, json=json, **kwargs)",
                );
                s.dep(
                    "requests/sessions.py",
                    589,
                    "request",
                    "resp = self.send(prep, **send_kwargs)",
                );
                s.dep(
                    "requests/adapters.py",
                    if version.python == "3.10" { 519 } else { 700 },
                    "send",
                    "raise ConnectionError(e, request=request)",
                );
                s.end("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='psp.example.com', port=443): Max retries exceeded with url: /charges (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1d0e50>: Failed to establish a new connection: [Errno 111] Connection refused'))");
            } else {
                s.dep(
                    "requests/models.py",
                    978,
                    "json",
                    "raise RequestsJSONDecodeError(e.msg, e.doc, e.pos)",
                );
                s.std(
                    "json/__init__.py",
                    346,
                    "loads",
                    "return _default_decoder.decode(s)",
                );
                s.std(
                    "json/decoder.py",
                    355,
                    "raw_decode",
                    "raise JSONDecodeError(\"Expecting value\", s, err.value) from None",
                );
                s.end("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)");
            }
            s.end("");
            s.end("The above exception was the direct cause of the following exception:");
            s.end("");
            s.end("Traceback (most recent call last):");
            s.django();
            s.app(
                "shop/views.py",
                30 + shift,
                "checkout",
                "receipt = payments.charge(order)",
            );
            s.app(
                "shop/payments.py",
                44 + shift,
                "charge",
                "raise PaymentFailed(f\"charge failed for order {order.id}\") from err",
            );
            let message = format!("charge failed for order {}", 1000 + n);
            s.end(&format!("shop.payments.PaymentFailed: {message}"));
            ("shop.payments.PaymentFailed", message)
        }
    };
    Case {
        label: variant.label("python"),
        service: variant.service("shop-api", "billing-worker"),
        language: Language::Python,
        error_type: error_type.to_owned(),
        message,
        stack: s.text,
        note: format!("{} on Python {}", layout.name, version.python),
        rules: Some(RULES),
    }
}

pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    for variant in Variant::ALL {
        for layout in &LAYOUTS {
            for version in &VERSIONS {
                n += 1;
                cases.push(case(variant, layout, version, n));
            }
        }
    }
    cases.extend([
        never_tracked(
            Language::Python,
            "builtins.KeyError",
            "'sku'",
            "KeyError: 'sku'",
        ),
        never_tracked(
            Language::Python,
            "builtins.ValueError",
            "bad id",
            "Traceback (most recent call last):\nValueError: bad id\n",
        ),
        never_tracked(Language::Python, "builtins.TimeoutError", "", ""),
    ]);
    cases
}
