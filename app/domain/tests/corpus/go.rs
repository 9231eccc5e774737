//! Go: a chi router over the `github.com/acme/shop` module, as dd-trace-go reports `error.stack` (one
//! function line, then `\t<file>:<line>`). `error.type` is the error's Go type (`*pgconn.PgError`);
//! a wrapped cause is not printed, so the two causes differ where the wrapping error was raised.
//! Layouts: module cache (`/go/pkg/mod/<path>@v5.0.12/`), `vendor/`, `-trimpath`, GOPATH with a
//! vendored dependency (`/go/src/github.com/acme/shop/vendor/…`), a CI runner's module cache and
//! toolchain, and Windows (`C:/Users/…`, forward slashes as Go prints them). Versions: Go 1.21 / 1.22 /
//! 1.23 with chi v5.0.10 / v5.0.12 (dd-trace-go v1's chi wrapper) / v5.1.0 (dd-trace-go v2's).

use super::{Case, Variant, never_tracked};
use domain::stacktrace::Language;

struct Layout {
    name: &'static str,
    /// The module's directory; empty with `-trimpath`, where files read `github.com/acme/shop/…`.
    app: &'static str,
    /// A dependency's directory, `{chi}` standing for the module's version (`v5.0.12`).
    chi: &'static str,
    /// Symbols of the vendored chi in GOPATH mode carry the vendor path.
    chi_symbol: &'static str,
    goroot: &'static str,
}

const LAYOUTS: [Layout; 6] = [
    Layout {
        name: "module cache",
        app: "/app",
        chi: "/go/pkg/mod/github.com/go-chi/chi/v5@{chi}",
        chi_symbol: "github.com/go-chi/chi/v5",
        goroot: "/usr/local/go/src",
    },
    Layout {
        name: "vendor",
        app: "/src",
        chi: "/src/vendor/github.com/go-chi/chi/v5",
        chi_symbol: "github.com/go-chi/chi/v5",
        goroot: "/usr/local/go/src",
    },
    Layout {
        name: "trimpath",
        app: "github.com/acme/shop",
        chi: "github.com/go-chi/chi/v5@{chi}",
        chi_symbol: "github.com/go-chi/chi/v5",
        goroot: "",
    },
    Layout {
        name: "gopath vendor",
        app: "/go/src/github.com/acme/shop",
        chi: "/go/src/github.com/acme/shop/vendor/github.com/go-chi/chi/v5",
        chi_symbol: "github.com/acme/shop/vendor/github.com/go-chi/chi/v5",
        goroot: "/usr/local/go/src",
    },
    Layout {
        name: "github actions",
        app: "/home/runner/work/shop/shop",
        chi: "/home/runner/go/pkg/mod/github.com/go-chi/chi/v5@{chi}",
        chi_symbol: "github.com/go-chi/chi/v5",
        goroot: "/opt/hostedtoolcache/go/1.22.1/x64/src",
    },
    Layout {
        name: "windows",
        app: "C:/Users/build/shop",
        chi: "C:/Users/build/go/pkg/mod/github.com/go-chi/chi/v5@{chi}",
        chi_symbol: "github.com/go-chi/chi/v5",
        goroot: "C:/Program Files/Go/src",
    },
];

struct Version {
    name: &'static str,
    chi: &'static str,
    /// `HandlerFunc.ServeHTTP`, `serverHandler.ServeHTTP`, `(*conn).serve`, `goexit` lines.
    lines: (u32, u32, u32, u32),
    /// dd-trace-go's chi wrapper: (symbol package, directory).
    ddtrace: Option<(&'static str, &'static str)>,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: "go 1.21, chi v5.0.10",
        chi: "v5.0.10",
        lines: (2136, 2938, 2009, 1650),
        ddtrace: None,
    },
    Version {
        name: "go 1.22, chi v5.0.12, dd-trace-go v1",
        chi: "v5.0.12",
        lines: (2171, 3142, 2044, 1695),
        ddtrace: Some((
            "gopkg.in/DataDog/dd-trace-go.v1/contrib/go-chi/chi.v5",
            "/go/pkg/mod/gopkg.in/!data!dog/dd-trace-go.v1@v1.69.1/contrib/go-chi/chi.v5",
        )),
    },
    Version {
        name: "go 1.23, chi v5.1.0, dd-trace-go v2",
        chi: "v5.1.0",
        lines: (2220, 3210, 2092, 1700),
        ddtrace: Some((
            "github.com/DataDog/dd-trace-go/contrib/go-chi/chi.v5/v2",
            "/go/pkg/mod/github.com/!data!dog/dd-trace-go/contrib/go-chi/chi.v5/v2@v2.0.0",
        )),
    },
];

struct Stack<'a> {
    layout: &'a Layout,
    version: &'a Version,
    text: String,
}

impl Stack<'_> {
    fn frame(&mut self, function: &str, file: &str, line: u32) {
        self.text
            .push_str(&format!("{function}\n\t{file}:{line}\n"));
    }

    fn app(&mut self, package: &str, function: &str, file: &str, line: u32) {
        let path = format!("{}/{file}", self.layout.app);
        self.frame(
            &format!("github.com/acme/shop/{package}.{function}"),
            &path,
            line,
        );
    }

    fn std(&mut self, function: &str, file: &str, line: u32) {
        let path = if self.layout.goroot.is_empty() {
            file.to_owned()
        } else {
            format!("{}/{file}", self.layout.goroot)
        };
        self.frame(function, &path, line);
    }

    fn chi(&mut self, function: &str, line: u32) {
        let dir = self.layout.chi.replace("{chi}", self.version.chi);
        let symbol = format!("{}.{function}", self.layout.chi_symbol);
        self.frame(&symbol, &format!("{dir}/mux.go"), line);
    }

    fn router(&mut self) {
        let (handler, server, conn, goexit) = self.version.lines;
        self.std(
            "net/http.HandlerFunc.ServeHTTP",
            "net/http/server.go",
            handler,
        );
        self.chi("(*Mux).routeHTTP", 459);
        self.std(
            "net/http.HandlerFunc.ServeHTTP",
            "net/http/server.go",
            handler,
        );
        if let Some((package, dir)) = self.version.ddtrace {
            self.frame(
                &format!("{package}.Middleware.func1.1"),
                &format!("{dir}/chi.go"),
                117,
            );
        }
        self.chi("(*Mux).ServeHTTP", 90);
        self.std(
            "net/http.serverHandler.ServeHTTP",
            "net/http/server.go",
            server,
        );
        self.std("net/http.(*conn).serve", "net/http/server.go", conn);
        self.std("runtime.goexit", "runtime/asm_amd64.s", goexit);
    }
}

fn case(variant: Variant, layout: &Layout, version: &Version, n: u32) -> Case {
    let mut s = Stack {
        layout,
        version,
        text: String::new(),
    };
    let shift = n % 4;
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            let raising = if variant == Variant::OtherFunction {
                "(*Orders).Update"
            } else {
                "(*Orders).Insert"
            };
            s.app(
                "internal/store",
                raising,
                "internal/store/orders.go",
                88 + shift,
            );
            s.app(
                "internal/checkout",
                "(*Service).Place",
                "internal/checkout/service.go",
                41 + shift,
            );
            s.app(
                "internal/api",
                "(*Handler).Checkout",
                "internal/api/checkout.go",
                35 + shift,
            );
            s.router();
            if variant == Variant::OtherType {
                (
                    "*net.OpError",
                    "write tcp 10.0.0.7:51234->10.0.0.9:5432: write: broken pipe".to_owned(),
                )
            } else {
                (
                    "*pgconn.PgError",
                    format!(
                        "ERROR: duplicate key value violates unique constraint \"orders_pkey\" (SQLSTATE 23505) order {}",
                        1000 + n
                    ),
                )
            }
        }
        Variant::CauseA | Variant::CauseB => {
            let message = if variant == Variant::CauseA {
                s.app(
                    "internal/psp",
                    "(*Client).Charge",
                    "internal/psp/client.go",
                    52 + shift,
                );
                format!(
                    "charge order {}: Post \"https://psp.example.com/charges\": dial tcp 10.0.0.5:443: connect: connection refused",
                    1000 + n
                )
            } else {
                s.app(
                    "internal/psp",
                    "(*Client).decodeReceipt",
                    "internal/psp/receipt.go",
                    19 + shift,
                );
                s.app(
                    "internal/psp",
                    "(*Client).Charge",
                    "internal/psp/client.go",
                    58 + shift,
                );
                format!(
                    "charge order {}: decode receipt: invalid character '<' looking for beginning of value",
                    1000 + n
                )
            };
            s.app(
                "internal/checkout",
                "(*Service).Pay",
                "internal/checkout/service.go",
                77 + shift,
            );
            s.app(
                "internal/api",
                "(*Handler).Pay",
                "internal/api/pay.go",
                22 + shift,
            );
            s.router();
            ("*fmt.wrapError", message)
        }
    };
    Case {
        label: variant.label("go"),
        service: variant.service("shop-api", "shop-consumer"),
        language: Language::Go,
        error_type: error_type.to_owned(),
        message,
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
    cases.extend([
        never_tracked(
            Language::Go,
            "*errors.errorString",
            "context deadline exceeded",
            "context deadline exceeded",
        ),
        never_tracked(
            Language::Go,
            "*errors.errorString",
            "EOF",
            "goroutine 7 [running]:\n\n",
        ),
        never_tracked(Language::Go, "*net.OpError", "connection reset", ""),
    ]);
    cases
}
