//! Node.js: an Express app compiled to `dist/`, as dd-trace-js reports `err.stack` (the cause chain as
//! `util.inspect` prints it, the way pino and winston log it), under npm, pnpm (`.pnpm/<pkg>@<ver>/`),
//! Capistrano, iisnode, CI, Cloud Run and ESM (`file://`) layouts, on Node 16 / 20 / 22 with Express
//! 4.18, 4.21 (with dd-trace's router wrappers) and 5.1 (the `router` package). Besides the shared
//! variants, a node-postgres error raised in the driver's callback, from two repository methods.

use super::{Case, Root, Variant, never_tracked};
use domain::stacktrace::Language;

struct Layout {
    name: &'static str,
    root: Root,
    /// pnpm's store layout: `node_modules/.pnpm/express@4.21.2/node_modules/express/`.
    pnpm: bool,
    /// ESM stacks print `file://` URLs.
    esm: bool,
}

const LAYOUTS: [Layout; 7] = [
    Layout {
        name: "docker npm",
        root: Root("/usr/src/app"),
        pnpm: false,
        esm: false,
    },
    Layout {
        name: "docker pnpm",
        root: Root("/app"),
        pnpm: true,
        esm: false,
    },
    Layout {
        name: "capistrano",
        root: Root("/srv/shop/releases/20261201120000"),
        pnpm: false,
        esm: false,
    },
    Layout {
        name: "iisnode",
        root: Root(r"C:\inetpub\wwwroot\shop"),
        pnpm: false,
        esm: false,
    },
    Layout {
        name: "github actions pnpm",
        root: Root("/home/runner/work/shop/shop"),
        pnpm: true,
        esm: false,
    },
    Layout {
        name: "cloud run",
        root: Root("/workspace"),
        pnpm: false,
        esm: false,
    },
    Layout {
        name: "esm, unknown root",
        root: Root("/mnt/disk2/svc-7"),
        pnpm: false,
        esm: true,
    },
];

struct Version {
    name: &'static str,
    /// `process.processTicksAndRejections` (Node 18+) or `processTicksAndRejections` and its line.
    ticks: &'static str,
    express: &'static str,
    ddtrace: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: "node 16, express 4.18.2",
        ticks: "processTicksAndRejections (node:internal/process/task_queues:96:5)",
        express: "4.18.2",
        ddtrace: false,
    },
    Version {
        name: "node 20, express 4.21.2, dd-trace",
        ticks: "process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
        express: "4.21.2",
        ddtrace: true,
    },
    Version {
        name: "node 22, express 5.1.0",
        ticks: "process.processTicksAndRejections (node:internal/process/task_queues:105:5)",
        express: "5.1.0",
        ddtrace: false,
    },
];

struct Stack<'a> {
    layout: &'a Layout,
    version: &'a Version,
    text: String,
    indent: &'static str,
}

impl Stack<'_> {
    fn location(&self, file: String) -> String {
        if self.layout.esm {
            format!("file://{file}")
        } else {
            file
        }
    }

    fn app(&mut self, function: &str, relative: &str, line: u32, column: u32) {
        let file = self.location(self.layout.root.join(&format!("dist/{relative}")));
        let at = if function.is_empty() {
            format!("{file}:{line}:{column}")
        } else {
            format!("{function} ({file}:{line}:{column})")
        };
        self.line(&at);
    }

    /// A frame of package `package` at `version`, file `relative` inside it.
    fn dep(&mut self, function: &str, package: &str, version: &str, relative: &str, at: &str) {
        let modules = if self.layout.pnpm {
            format!("node_modules/.pnpm/{package}@{version}/node_modules/{package}/{relative}")
        } else {
            format!("node_modules/{package}/{relative}")
        };
        let file = self.location(self.layout.root.join(&modules));
        if function.is_empty() {
            self.line(&format!("{file}:{at}"));
        } else {
            self.line(&format!("{function} ({file}:{at})"));
        }
    }

    fn line(&mut self, at: &str) {
        self.text.push_str(&format!("{}    at {at}\n", self.indent));
    }

    fn express(&mut self) {
        let v = self.version.express;
        if v.starts_with('5') {
            self.dep(
                "Layer.handleRequest",
                "router",
                "2.2.0",
                "lib/layer.js",
                "152:17",
            );
            self.dep("next", "router", "2.2.0", "lib/route.js", "157:13");
            self.dep("Route.dispatch", "router", "2.2.0", "lib/route.js", "117:3");
            self.dep("handle", "router", "2.2.0", "index.js", "435:11");
            self.dep("processParams", "router", "2.2.0", "index.js", "582:12");
            return;
        }
        let (next, dispatch) = if v == "4.18.2" {
            ("144:13", "114:3")
        } else {
            ("149:13", "119:3")
        };
        self.dep(
            "Layer.handle [as handle_request]",
            "express",
            v,
            "lib/router/layer.js",
            "95:5",
        );
        self.dep("next", "express", v, "lib/router/route.js", next);
        if self.version.ddtrace {
            self.dep(
                "",
                "dd-trace",
                "5.40.0",
                "packages/datadog-instrumentations/src/router.js",
                "100:12",
            );
        }
        self.dep(
            "Route.dispatch",
            "express",
            v,
            "lib/router/route.js",
            dispatch,
        );
        self.dep("handle", "express", v, "lib/router/index.js", "284:15");
    }
}

fn case(variant: Variant, layout: &Layout, version: &Version, n: u32) -> Case {
    let mut s = Stack {
        layout,
        version,
        text: String::new(),
        indent: "",
    };
    let shift = n % 5;
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            let (error_type, message) = if variant == Variant::OtherType {
                ("RangeError", format!("Invalid count value: -{n}"))
            } else {
                (
                    "TypeError",
                    "Cannot read properties of undefined (reading 'price')".to_owned(),
                )
            };
            s.text = format!("{error_type}: {message}\n");
            if variant == Variant::OtherFunction {
                s.app("Cart.subtotal", "models/cart.js", 31 + shift, 24);
                s.app("Cart.total", "models/cart.js", 18 + shift, 17);
            } else {
                s.app("Cart.total", "models/cart.js", 12 + shift, 37 + shift);
            }
            s.app("checkout", "routes/checkout.js", 22 + shift, 28);
            s.express();
            (error_type, message)
        }
        Variant::CauseA | Variant::CauseB => {
            let message = format!("charge failed for order {}", 1000 + n);
            s.text = format!("Error: {message}\n");
            s.app(
                "PaymentService.charge",
                "services/payments.js",
                48 + shift,
                13,
            );
            s.line(version.ticks);
            s.app("async checkout", "routes/checkout.js", 40 + shift, 5);
            s.text.pop();
            s.text.push_str(" {\n");
            s.indent = "  ";
            if variant == Variant::CauseA {
                s.text
                    .push_str("  [cause]: Error: connect ECONNREFUSED 10.0.0.5:443\n");
                s.line("TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {");
                s.text.push_str("    errno: -111,\n    code: 'ECONNREFUSED',\n    syscall: 'connect',\n    address: '10.0.0.5',\n    port: 443\n  }\n}\n");
            } else {
                s.text.push_str("  [cause]: SyntaxError: Unexpected token '<', \"<html><bod\"... is not valid JSON\n");
                s.line("JSON.parse (<anonymous>)");
                s.app("parseReceipt", "services/receipts.js", 9 + shift, 17);
                s.app(
                    "PaymentService.charge",
                    "services/payments.js",
                    46 + shift,
                    22,
                );
                s.text.push_str("}\n");
            }
            ("Error", message)
        }
    };
    Case {
        label: variant.label("node"),
        service: variant.service("shop-api", "storefront-ssr"),
        language: Language::JavaScript,
        error_type: error_type.to_owned(),
        message,
        stack: s.text,
        note: format!("{} on {}", layout.name, version.name),
        rules: None,
    }
}

/// A PostgreSQL error as node-postgres raises it: from the driver's socket callback, so only the
/// `async` frames after the `await` name the service's code. `function` is the repository method.
fn database_error(function: &str, layout: &Layout, version: &Version, n: u32) -> Case {
    let mut s = Stack {
        layout,
        version,
        text: "error: duplicate key value violates unique constraint \"orders_pkey\"\n".to_owned(),
        indent: "",
    };
    let pg = if version.express.starts_with('5') {
        ("8.13.1", "545:17")
    } else {
        ("8.11.3", "526:17")
    };
    s.dep("", "pg", pg.0, "lib/client.js", pg.1);
    s.line(version.ticks);
    s.app(
        &format!("async OrderRepository.{function}"),
        "repositories/orders.js",
        22 + n % 3,
        5,
    );
    s.app("async checkout", "routes/checkout.js", 40 + n % 3, 5);
    Case {
        label: super::Label::Issue(format!("node/database-{function}")),
        service: "shop-api",
        language: Language::JavaScript,
        error_type: "error".to_owned(),
        message: "duplicate key value violates unique constraint \"orders_pkey\"".to_owned(),
        stack: s.text,
        note: format!("{} on {}", layout.name, version.name),
        rules: None,
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
    for function in ["insert", "update"] {
        for layout in &LAYOUTS {
            for version in &VERSIONS {
                n += 1;
                cases.push(database_error(function, layout, version, n));
            }
        }
    }
    cases.extend([
        never_tracked(
            Language::JavaScript,
            "Error",
            "upstream closed",
            "Error: upstream closed",
        ),
        never_tracked(
            Language::JavaScript,
            "Error",
            "socket hang up",
            "Error: socket hang up\n    at <anonymous>\n",
        ),
        never_tracked(Language::JavaScript, "AbortError", "aborted", ""),
    ]);
    cases
}
