//! Ruby: a Rails controller and model, as the datadog gem reports `error.stack` (Ruby's `full_message`
//! shape: the raising frame with the message, `from` lines, then each cause the same way), under the
//! Rails Dockerfile (`/rails`, `/usr/local/bundle`), Capistrano (`shared/bundle`), in-project
//! `vendor/bundle`, CI, system gems and rbenv layouts, on Ruby 3.2 / 3.3 / 3.4 (quotes and
//! class-qualified methods) with Rails 7.0 / 7.1 / 8.0; some events have a cache block around the call.

use super::{Case, Root, Variant, never_tracked};
use domain::stacktrace::Language;

struct Layout {
    name: &'static str,
    root: Root,
    /// The gems directory, `{abi}` standing for Ruby's ABI version (`3.3.0`).
    gems: &'static str,
    /// The standard library.
    stdlib: &'static str,
}

const LAYOUTS: [Layout; 6] = [
    Layout {
        name: "rails dockerfile",
        root: Root("/rails"),
        gems: "/usr/local/bundle/ruby/{abi}/gems",
        stdlib: "/usr/local/lib/ruby/{abi}",
    },
    Layout {
        name: "capistrano",
        root: Root("/home/deploy/shop/releases/20261201120000"),
        gems: "/home/deploy/shop/shared/bundle/ruby/{abi}/gems",
        stdlib: "/usr/local/lib/ruby/{abi}",
    },
    Layout {
        name: "vendor/bundle",
        root: Root("/app"),
        gems: "/app/vendor/bundle/ruby/{abi}/gems",
        stdlib: "/usr/local/lib/ruby/{abi}",
    },
    Layout {
        name: "github actions",
        root: Root("/home/runner/work/shop/shop"),
        gems: "/home/runner/work/shop/shop/vendor/bundle/ruby/{abi}/gems",
        stdlib: "/opt/hostedtoolcache/Ruby/3.3.1/x64/lib/ruby/{abi}",
    },
    Layout {
        name: "system gems",
        root: Root("/var/www/shop/current"),
        gems: "/usr/local/lib/ruby/gems/{abi}/gems",
        stdlib: "/usr/local/lib/ruby/{abi}",
    },
    Layout {
        name: "rbenv, unknown root",
        root: Root("/mnt/disk2/svc-7"),
        gems: "/home/deploy/.rbenv/versions/3.3.1/lib/ruby/gems/{abi}/gems",
        stdlib: "/home/deploy/.rbenv/versions/3.3.1/lib/ruby/{abi}",
    },
];

struct Version {
    name: &'static str,
    abi: &'static str,
    rails: &'static str,
    /// Ruby 3.4 quotes with `'` and names the owner: `'Cart#total'`.
    ruby34: bool,
    datadog: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: "ruby 3.2, rails 7.0.8",
        abi: "3.2.0",
        rails: "7.0.8",
        ruby34: false,
        datadog: false,
    },
    Version {
        name: "ruby 3.3, rails 7.1.3, datadog 2.3",
        abi: "3.3.0",
        rails: "7.1.3",
        ruby34: false,
        datadog: true,
    },
    Version {
        name: "ruby 3.4, rails 8.0.1",
        abi: "3.4.0",
        rails: "8.0.1",
        ruby34: true,
        datadog: false,
    },
];

struct Stack<'a> {
    layout: &'a Layout,
    version: &'a Version,
    text: String,
}

impl Stack<'_> {
    /// `owner` is what Ruby 3.4 prints before the method (`Cart#`); blocks keep their prefix.
    fn method(&self, owner: &str, method: &str) -> String {
        if self.version.ruby34 {
            let (prefix, name) = match method.rsplit_once(" in ") {
                Some((prefix, name)) => (format!("{prefix} in "), name),
                None => (String::new(), method),
            };
            format!("'{prefix}{owner}{name}'")
        } else {
            format!("`{method}'")
        }
    }

    fn push(&mut self, file: String, line: u32, function: String, header: Option<&str>) {
        match header {
            Some(header) => self
                .text
                .push_str(&format!("{file}:{line}:in {function}: {header}\n")),
            None => self
                .text
                .push_str(&format!("\tfrom {file}:{line}:in {function}\n")),
        }
    }

    fn app(&mut self, relative: &str, line: u32, owner: &str, method: &str, header: Option<&str>) {
        let file = self.layout.root.join(relative);
        let function = self.method(owner, method);
        self.push(file, line, function, header);
    }

    fn gem(&mut self, gem: &str, relative: &str, line: u32, owner: &str, method: &str) {
        let gems = self.layout.gems.replace("{abi}", self.version.abi);
        let file = format!("{gems}/{gem}/{relative}");
        let function = self.method(owner, method);
        self.push(file, line, function, None);
    }

    fn std(&mut self, relative: &str, line: u32, owner: &str, method: &str, header: Option<&str>) {
        let stdlib = self.layout.stdlib.replace("{abi}", self.version.abi);
        let file = format!("{stdlib}/{relative}");
        let function = self.method(owner, method);
        self.push(file, line, function, header);
    }

    fn rails(&mut self) {
        let actionpack = format!("actionpack-{}", self.version.rails);
        let activesupport = format!("activesupport-{}", self.version.rails);
        self.gem(
            &actionpack,
            "lib/action_controller/metal/basic_implicit_render.rb",
            6,
            "ActionController::BasicImplicitRender#",
            "send_action",
        );
        self.gem(
            &actionpack,
            "lib/abstract_controller/base.rb",
            if self.version.rails == "7.0.8" {
                215
            } else {
                224
            },
            "AbstractController::Base#",
            "process_action",
        );
        self.gem(
            &activesupport,
            "lib/active_support/callbacks.rb",
            121,
            "ActiveSupport::Callbacks#",
            "block in run_callbacks",
        );
        if self.version.datadog {
            self.gem(
                "datadog-2.3.0",
                "lib/datadog/tracing/contrib/action_pack/action_controller/instrumentation.rb",
                153,
                "Datadog::Tracing::Contrib::ActionPack::ActionController::Instrumentation#",
                "process_action",
            );
        }
        self.gem(
            "puma-6.4.2",
            "lib/puma/thread_pool.rb",
            155,
            "Puma::ThreadPool#",
            "block in spawn_thread",
        );
    }
}

fn case(variant: Variant, layout: &Layout, version: &Version, n: u32) -> Case {
    let mut s = Stack {
        layout,
        version,
        text: String::new(),
    };
    let shift = n % 4;
    let quote = |name: &str| {
        if version.ruby34 {
            format!("'{name}'")
        } else {
            format!("`{name}'")
        }
    };
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            let (error_type, message) = if variant == Variant::OtherType {
                ("TypeError", "nil can't be coerced into Integer".to_owned())
            } else if version.abi == "3.2.0" {
                (
                    "NoMethodError",
                    format!("undefined method {} for nil:NilClass", quote("price")),
                )
            } else {
                (
                    "NoMethodError",
                    format!("undefined method {} for nil", quote("price")),
                )
            };
            let header = format!("{message} ({error_type})");
            let raising = if variant == Variant::OtherFunction {
                "subtotal"
            } else {
                "total"
            };
            s.app(
                "app/models/cart.rb",
                14 + shift,
                "Cart#",
                &format!("block in {raising}"),
                Some(&header),
            );
            s.app("app/models/cart.rb", 13 + shift, "Array#", "each", None);
            s.app("app/models/cart.rb", 13 + shift, "Enumerable#", "sum", None);
            // The same method with `Rails.cache.fetch` around its body.
            if n.is_multiple_of(2) {
                s.app(
                    "app/models/cart.rb",
                    12 + shift,
                    "Cart#",
                    &format!("block in {raising}"),
                    None,
                );
                s.gem(
                    &format!("activesupport-{}", version.rails),
                    "lib/active_support/cache.rb",
                    1002,
                    "ActiveSupport::Cache::Store#",
                    "fetch",
                );
            }
            s.app("app/models/cart.rb", 12 + shift, "Cart#", raising, None);
            if variant == Variant::OtherFunction {
                s.app("app/models/cart.rb", 8 + shift, "Cart#", "total", None);
            }
            s.app(
                "app/controllers/checkouts_controller.rb",
                21 + shift,
                "CheckoutsController#",
                "create",
                None,
            );
            s.rails();
            (error_type, message)
        }
        Variant::CauseA | Variant::CauseB => {
            let message = format!("payment capture failed for order R{}", 480_000 + n);
            let header = format!("{message} (Checkout::PaymentError)");
            s.app(
                "app/services/checkout/payment_capture.rb",
                58 + shift,
                "Checkout::PaymentCapture#",
                "rescue in capture!",
                Some(&header),
            );
            s.app(
                "app/services/checkout/payment_capture.rb",
                49 + shift,
                "Checkout::PaymentCapture#",
                "capture!",
                None,
            );
            s.app(
                "app/controllers/checkouts_controller.rb",
                31 + shift,
                "CheckoutsController#",
                "update",
                None,
            );
            s.rails();
            if variant == Variant::CauseA {
                s.std(
                    "net/protocol.rb",
                    229,
                    "Net::BufferedIO#",
                    "rbuf_fill",
                    Some("Net::ReadTimeout with #<TCPSocket:(closed)> (Net::ReadTimeout)"),
                );
                s.std(
                    "net/protocol.rb",
                    199,
                    "Net::BufferedIO#",
                    "readuntil",
                    None,
                );
                s.std("net/http.rb", 2337, "Net::HTTP#", "transport_request", None);
            } else {
                s.std(
                    "json/common.rb",
                    219,
                    "JSON::Ext::Parser#",
                    "parse",
                    Some("unexpected token at '<html>' (JSON::ParserError)"),
                );
                s.std("json/common.rb", 219, "JSON#", "parse", None);
            }
            s.app(
                "app/clients/psp_client.rb",
                22 + shift,
                "PspClient#",
                "post_capture",
                None,
            );
            s.app(
                "app/services/checkout/payment_capture.rb",
                51 + shift,
                "Checkout::PaymentCapture#",
                "capture!",
                None,
            );
            ("Checkout::PaymentError", message)
        }
    };
    Case {
        label: variant.label("ruby"),
        service: variant.service("shop-web", "shop-sidekiq"),
        language: Language::Ruby,
        error_type: error_type.to_owned(),
        message,
        stack: s.text,
        note: format!("{} on {} (n={n})", layout.name, version.name),
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
        never_tracked(Language::Ruby, "Redis::TimeoutError", "timed out", ""),
        never_tracked(Language::Ruby, "RuntimeError", "boom", "RuntimeError: boom"),
        never_tracked(
            Language::Ruby,
            "Interrupt",
            "",
            "<internal:kernel>\n<internal:kernel>\n",
        ),
    ]);
    cases
}
