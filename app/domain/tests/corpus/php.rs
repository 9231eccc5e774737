//! PHP: a Laravel controller and service. dd-trace-php reports `getTraceAsString()` (no header: the
//! raising method has no file); a chain is logged the way PHP's `__toString` prints it (the previous
//! exception first, then `Next`). Under the official image (`/var/www/html`), Forge/Envoyer releases,
//! Bitnami (`/app`), Capistrano, IIS and an unknown root, on Laravel 10 / PHP 8.2, Laravel 11 / PHP 8.3
//! with ddtrace's frames, and Laravel 11 / PHP 8.4 (closures named by their method and line). Besides
//! the shared variants, a unique-key violation raised inside Laravel's database layer.

use super::{Case, Root, Variant, never_tracked};
use domain::stacktrace::Language;

const LAYOUTS: [(&str, Root); 6] = [
    ("official image", Root("/var/www/html")),
    (
        "forge envoyer",
        Root("/home/forge/shop.example.com/releases/20261201120000"),
    ),
    ("bitnami", Root("/app")),
    ("capistrano", Root("/srv/shop/current")),
    ("iis", Root(r"C:\inetpub\wwwroot\shop")),
    ("unknown root", Root("/mnt/disk2/svc-7")),
];

struct Version {
    name: &'static str,
    laravel11: bool,
    ddtrace: bool,
    /// PHP 8.4 names closures `{closure:Class::method():line}`.
    php84: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: "laravel 10, php 8.2",
        laravel11: false,
        ddtrace: false,
        php84: false,
    },
    Version {
        name: "laravel 11, php 8.3, ddtrace 1.4",
        laravel11: true,
        ddtrace: true,
        php84: false,
    },
    Version {
        name: "laravel 11, php 8.4",
        laravel11: true,
        ddtrace: false,
        php84: true,
    },
];

struct Stack<'a> {
    root: Root,
    version: &'a Version,
    lines: Vec<String>,
}

impl Stack<'_> {
    fn at(&mut self, location: &str, call: &str) {
        let index = self.lines.len();
        self.lines.push(format!("#{index} {location}: {call}"));
    }

    fn file(&self, relative: &str, line: u32) -> String {
        format!("{}({line})", self.root.join(relative))
    }

    fn app(&mut self, relative: &str, line: u32, call: &str) {
        let location = self.file(relative, line);
        self.at(&location, call);
    }

    fn laravel(&mut self, relative: &str, line: u32, call: &str) {
        let location = self.file(&format!("vendor/laravel/framework/src/{relative}"), line);
        self.at(&location, call);
    }

    fn closure(&self, class: &str, method: &str, line: u32) -> String {
        if self.version.php84 {
            format!("{{closure:{class}::{method}():{line}}}")
        } else {
            let namespace = class.rsplit_once('\\').map_or("", |(ns, _)| ns);
            format!("{namespace}\\{{closure}}")
        }
    }

    /// Laravel's frames from the controller call down to `{main}`.
    fn framework(&mut self, controller_method: &str) {
        let (route, router) = if self.version.laravel11 {
            (266, 809)
        } else {
            (260, 798)
        };
        self.laravel(
            "Illuminate/Routing/Controller.php",
            54,
            &format!(
                "App\\Http\\Controllers\\CheckoutController->{controller_method}(Object(Illuminate\\Http\\Request))"
            ),
        );
        self.laravel(
            "Illuminate/Routing/ControllerDispatcher.php",
            43,
            &format!("Illuminate\\Routing\\Controller->callAction('{controller_method}', Array)"),
        );
        self.laravel(
            "Illuminate/Routing/Route.php",
            route,
            "Illuminate\\Routing\\ControllerDispatcher->dispatch(Object(Illuminate\\Routing\\Route), Object(App\\Http\\Controllers\\CheckoutController), 'store')",
        );
        self.laravel(
            "Illuminate/Routing/Route.php",
            212,
            "Illuminate\\Routing\\Route->runController()",
        );
        self.laravel(
            "Illuminate/Routing/Router.php",
            router,
            "Illuminate\\Routing\\Route->run()",
        );
        let closure = self.closure("Illuminate\\Routing\\Router", "runRouteWithinStack", router);
        self.laravel(
            "Illuminate/Pipeline/Pipeline.php",
            170,
            &format!("Illuminate\\Routing\\Router->{closure}(Object(Illuminate\\Http\\Request))"),
        );
        if self.version.ddtrace {
            let location = "/opt/datadog/dd-library/1.4.2/dd-trace-sources/src/DDTrace/Integrations/Laravel/LaravelIntegration.php(112)";
            let closure = self.closure("Illuminate\\Pipeline\\Pipeline", "carry", 168);
            self.at(
                location,
                &format!(
                    "Illuminate\\Pipeline\\Pipeline->{closure}(Object(Illuminate\\Http\\Request))"
                ),
            );
        }
        self.laravel(
            "Illuminate/Routing/Router.php",
            router - 1,
            "Illuminate\\Pipeline\\Pipeline->then(Object(Closure))",
        );
        if self.version.laravel11 {
            self.app(
                "public/index.php",
                17,
                "Illuminate\\Foundation\\Application->handleRequest(Object(Illuminate\\Http\\Request))",
            );
        } else {
            self.app(
                "public/index.php",
                51,
                "Illuminate\\Foundation\\Http\\Kernel->handle(Object(Illuminate\\Http\\Request))",
            );
        }
        let index = self.lines.len();
        self.lines.push(format!("#{index} {{main}}"));
    }

    fn text(&mut self) -> String {
        let text = self.lines.join("\n");
        self.lines.clear();
        text
    }
}

fn case(variant: Variant, layout: &(&'static str, Root), version: &Version, n: u32) -> Case {
    let (name, root) = *layout;
    let mut s = Stack {
        root,
        version,
        lines: Vec::new(),
    };
    let shift = n % 4;
    let (error_type, message, stack) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            if variant == Variant::OtherFunction {
                s.app(
                    "app/Services/PriceCalculator.php",
                    61 + shift,
                    "App\\Services\\PriceCalculator->shipping(Object(App\\Models\\Cart))",
                );
            }
            // `array_map(fn ($item) => $this->prices->lineTotal($item), $cart->items)`.
            s.app(
                "app/Services/CartService.php",
                42 + shift,
                "App\\Services\\PriceCalculator->lineTotal(Object(App\\Models\\CartItem))",
            );
            let closure = s.closure("App\\Services\\CartService", "total", 42 + shift);
            s.at(
                "[internal function]",
                &format!("App\\Services\\CartService->{closure}(Object(App\\Models\\CartItem))"),
            );
            s.app(
                "app/Services/CartService.php",
                42 + shift,
                "array_map(Object(Closure), Array)",
            );
            s.app(
                "app/Http/Controllers/CheckoutController.php",
                27 + shift,
                "App\\Services\\CartService->total(Object(App\\Models\\Cart))",
            );
            s.framework("store");
            let (error_type, message) = if variant == Variant::OtherType {
                (
                    "TypeError",
                    "App\\Services\\PriceCalculator::lineTotal(): Argument #1 ($item) must be of type App\\Models\\CartItem, null given".to_owned(),
                )
            } else {
                ("DivisionByZeroError", "Division by zero".to_owned())
            };
            (error_type, message, s.text())
        }
        Variant::CauseA | Variant::CauseB => {
            let gateway = root.join("app/Services/PaymentGateway.php");
            let cause = if variant == Variant::CauseA {
                let curl = root.join("vendor/guzzlehttp/guzzle/src/Handler/CurlFactory.php");
                s.at(&format!("{curl}(205)"), "GuzzleHttp\\Handler\\CurlFactory::createRejection(Object(GuzzleHttp\\Handler\\EasyHandle), Array)");
                s.at(
                    &s.file("vendor/guzzlehttp/guzzle/src/Handler/CurlHandler.php", 47),
                    "GuzzleHttp\\Handler\\CurlFactory::finish(Object(GuzzleHttp\\Handler\\CurlHandler), Object(GuzzleHttp\\Handler\\EasyHandle), Object(GuzzleHttp\\Handler\\CurlFactory))",
                );
                s.at(
                    &s.file("vendor/guzzlehttp/guzzle/src/Client.php", 189),
                    "GuzzleHttp\\Handler\\CurlHandler->__invoke(Object(GuzzleHttp\\Psr7\\Request), Array)",
                );
                s.app(
                    "app/Services/PaymentGateway.php",
                    41 + shift,
                    "GuzzleHttp\\Client->request('POST', 'https://psp.exa...', Array)",
                );
                format!(
                    "GuzzleHttp\\Exception\\ConnectException: cURL error 7: Failed to connect to psp.example.com port 443 after 3 ms: Couldn't connect to server (see https://curl.haxx.se/libcurl/c/libcurl-errors.html) for https://psp.example.com/charges in {curl}:275"
                )
            } else {
                s.app(
                    "app/Services/PaymentGateway.php",
                    44 + shift,
                    "json_decode('<html><body>...', true, 512, 4194304)",
                );
                format!("JsonException: Syntax error in {gateway}:{}", 44 + shift)
            };
            s.app(
                "app/Http/Controllers/CheckoutController.php",
                33 + shift,
                "App\\Services\\PaymentGateway->charge(Object(App\\Models\\Order))",
            );
            s.framework("store");
            let cause_trace = s.text();
            s.app(
                "app/Http/Controllers/CheckoutController.php",
                33 + shift,
                "App\\Services\\PaymentGateway->charge(Object(App\\Models\\Order))",
            );
            s.framework("store");
            let message = format!("charge failed for order {}", 1000 + n);
            let stack = format!(
                "{cause}\nStack trace:\n{cause_trace}\n\nNext App\\Exceptions\\PaymentFailed: {message} in {gateway}:{}\nStack trace:\n{}",
                47 + shift,
                s.text()
            );
            ("App\\Exceptions\\PaymentFailed", message, stack)
        }
    };
    Case {
        label: variant.label("php"),
        service: variant.service("shop-web", "shop-queue"),
        language: Language::Php,
        error_type: error_type.to_owned(),
        message,
        stack,
        note: format!("{name} on {}", version.name),
        rules: None,
    }
}

/// A unique-key violation as dd-trace-php reports it: `getTraceAsString()` only, so the method that
/// raised it (Laravel's `Connection::runQueryCallback`) is printed without a file.
fn query_exception(layout: &(&'static str, Root), version: &Version, n: u32) -> Case {
    let (name, root) = *layout;
    let mut s = Stack {
        root,
        version,
        lines: Vec::new(),
    };
    let (run, insert) = if version.laravel11 {
        (779, 590)
    } else {
        (760, 560)
    };
    s.laravel(
        "Illuminate/Database/Connection.php",
        run,
        "Illuminate\\Database\\Connection->runQueryCallback('insert into `or...', Array, Object(Closure))",
    );
    s.laravel(
        "Illuminate/Database/Connection.php",
        insert,
        "Illuminate\\Database\\Connection->run('insert into `or...', Array, Object(Closure))",
    );
    s.app(
        "app/Repositories/OrderRepository.php",
        31 + n % 3,
        "Illuminate\\Database\\Connection->insert('insert into `or...', Array)",
    );
    s.app(
        "app/Http/Controllers/CheckoutController.php",
        27 + n % 3,
        "App\\Repositories\\OrderRepository->insert(Array)",
    );
    s.framework("store");
    Case {
        label: super::Label::Issue("php/query-exception".to_owned()),
        service: "shop-web",
        language: Language::Php,
        error_type: "Illuminate\\Database\\UniqueConstraintViolationException".to_owned(),
        message: format!(
            "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{n}' for key 'orders.PRIMARY'"
        ),
        stack: s.text(),
        note: format!("{name} on {}", version.name),
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
    for layout in &LAYOUTS {
        for version in &VERSIONS {
            n += 1;
            cases.push(query_exception(layout, version, n));
        }
    }
    cases.extend([
        never_tracked(Language::Php, "PDOException", "gone away", "#0 {main}"),
        never_tracked(
            Language::Php,
            "ErrorException",
            "Allowed memory size exhausted",
            "ErrorException: Allowed memory size of 134217728 bytes exhausted\n#0 {main}\n",
        ),
        never_tracked(Language::Php, "RedisException", "read error", ""),
    ]);
    cases
}
