//! File paths reduced to a suffix that survives a redeploy: install prefixes, release directories,
//! package versions and bundle hashes are removed, so `/srv/app/releases/41/app/views.py` and
//! `/srv/app/releases/42/app/views.py` are both `app/views.py`.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// `https://shop.example.com/assets/app.js`, `webpack:///./src/cart.ts`, `file:///app/dist/server.mjs`.
static SCHEME_AND_HOST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*").expect("valid regex"));

/// `https://shop.example.com/assets/app.js?v=3#L1`, and the drive of
/// `C:/inetpub/wwwroot/Shop.Api/Program.cs` (after `\` became `/`).
static QUERY_OR_DRIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[?#].*$|^[A-Za-z]:").expect("valid regex"));

/// Everything up to the last root a package manager or runtime installs under:
/// `/home/deploy/.venv/lib/python3.11/site-packages/django/core/handlers/base.py`,
/// `/usr/lib/python3.12/json/decoder.py`, `/usr/src/app/node_modules/express/lib/router/layer.js`,
/// `/var/www/app/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php`,
/// `/usr/local/bundle/ruby/3.3.0/gems/actionpack-7.1.3/lib/action_controller/metal.rb`,
/// `/usr/local/lib/ruby/3.3.0/net/http.rb`, `/root/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/conn.go`,
/// `/usr/local/go/src/net/http/server.go`, `/root/sdk/go1.22.1/src/runtime/panic.go`,
/// `/usr/lib/go-1.22/src/runtime/proc.go`,
/// `/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.37.0/src/runtime/park.rs`,
/// `/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs`.
static DEPENDENCY_ROOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:.*/)?(?:site-packages|dist-packages|node_modules|vendor|gems|pkg/mod|registry/src/[^/]+|lib/python\d+(?:\.\d+)?|lib/ruby/\d+(?:\.\d+)*|go(?:-?\d+(?:\.\d+)*)?/src|rustc/[0-9a-f]+)/",
    )
    .expect("valid regex")
});

/// The version in a package directory: `actionpack-7.1.3/`, `pgx/v5@v5.5.5/`, `tokio-1.37.0/`,
/// `golang.org/x/net@v0.0.0-20240105123456-abcdef123456/`.
static PACKAGE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:-|@v?)\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.]+)*(/|$)").expect("valid regex")
});

/// Everything up to the last release directory: `/srv/app/releases/41/app/views.py` (Capistrano),
/// `/srv/app/current/app/views.py`, `/opt/shop/20260105123456/app.py`, `/opt/shop/3f2a1b9/app.py` (a
/// commit), `/opt/shop/1.4.2/app.py`, `C:\agent\_work\1\s\src\Shop.Api\OrdersController.cs` (a build
/// agent).
static RELEASE_DIRECTORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:.*/)?(?:releases/[^/]+|current|\d+|v?\d+(?:\.\d+)+|[0-9a-f]{7,40}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/",
    )
    .expect("valid regex")
});

/// Leading install directories and `./`: `/usr/src/app/dist/server.js` and `/app/dist/server.js` are
/// both `app/dist/server.js`; `/home/deploy/shop/app.py` and `/home/ci/shop/app.py` are `shop/app.py`.
static INSTALL_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^/*(?:(?:\.|usr|local|src|srv|opt|var|www|root|mnt|workspace|code|build|deploy|inetpub|wwwroot|_|home/[^/]+|Users/[^/]+)/+)*",
    )
    .expect("valid regex")
});

/// Content hashes in bundle names: `main.8f3a2b1c.js` (webpack), `index-BpK3x7Zq.js` (Vite).
static BUNDLE_HASH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[.-]([0-9A-Za-z_]{8,20})(\.[cm]?js)$").expect("valid regex"));

/// A stable suffix of `path`; the path as given when nothing would be left.
pub fn normalize_path(path: &str) -> String {
    let unified = path.trim().replace('\\', "/");
    let text = SCHEME_AND_HOST.replace(&unified, "");
    let text = QUERY_OR_DRIVE.replace_all(&text, "");
    let text = DEPENDENCY_ROOT.replace(&text, "");
    let text = PACKAGE_VERSION.replace_all(&text, "${1}");
    let text = RELEASE_DIRECTORY.replace(&text, "");
    let text = INSTALL_PREFIX.replace(&text, "");
    let text = BUNDLE_HASH.replace(&text, drop_hash);
    let segments: Vec<&str> = text
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segments.is_empty() {
        path.trim().to_owned()
    } else {
        segments.join("/")
    }
}

/// `path` without a bundler's content hash (`static/js/main.8f3a2b1c.js` is `static/js/main.js`).
pub fn drop_bundle_hash(path: &str) -> String {
    BUNDLE_HASH.replace(path, drop_hash).into_owned()
}

fn drop_hash(caps: &Captures<'_>) -> String {
    let hash = &caps[1];
    let generated = hash
        .bytes()
        .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    if generated {
        caps[2].to_owned()
    } else {
        caps[0].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn keeps_a_stable_suffix() {
        let cases = [
            ("/srv/app/releases/41/app/views.py", "app/views.py"),
            (
                "/srv/app/releases/20260105123456/app/views.py",
                "app/views.py",
            ),
            ("/srv/app/current/app/views.py", "app/views.py"),
            (
                "/home/deploy/.venv/lib/python3.11/site-packages/django/core/handlers/base.py",
                "django/core/handlers/base.py",
            ),
            (
                "/usr/local/lib/python3.12/site-packages/django/core/handlers/base.py",
                "django/core/handlers/base.py",
            ),
            ("/usr/lib/python3.12/json/decoder.py", "json/decoder.py"),
            ("/app/dist/x.js", "app/dist/x.js"),
            ("/usr/src/app/dist/x.js", "app/dist/x.js"),
            (
                "/usr/src/app/node_modules/.pnpm/express@4.18.2/node_modules/express/lib/router/layer.js",
                "express/lib/router/layer.js",
            ),
            (
                "node:internal/process/task_queues",
                "node:internal/process/task_queues",
            ),
            ("file:///app/dist/server.mjs", "app/dist/server.mjs"),
            ("webpack:///./src/cart.ts", "cart.ts"),
            (
                "https://shop.example.com/assets/index-BpK3x7Zq.js?v=3",
                "assets/index.js",
            ),
            (
                "https://shop.example.com/static/js/main.8f3a2b1c.js",
                "static/js/main.js",
            ),
            (
                "/app/public/user-settings.js",
                "app/public/user-settings.js",
            ),
            (
                "/usr/local/bundle/ruby/3.3.0/gems/actionpack-7.1.3/lib/action_controller/metal.rb",
                "actionpack/lib/action_controller/metal.rb",
            ),
            ("/usr/local/lib/ruby/3.3.0/net/http.rb", "net/http.rb"),
            (
                "/home/deploy/apps/shop/releases/20260105123456/app/models/order.rb",
                "app/models/order.rb",
            ),
            (
                "/root/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/conn.go",
                "github.com/jackc/pgx/v5/conn.go",
            ),
            (
                "/home/runner/go/pkg/mod/golang.org/x/net@v0.0.0-20240105123456-abcdef123456/http2/server.go",
                "golang.org/x/net/http2/server.go",
            ),
            ("/usr/local/go/src/net/http/server.go", "net/http/server.go"),
            (
                "/root/sdk/go1.22.1/src/runtime/panic.go",
                "runtime/panic.go",
            ),
            ("/usr/lib/go-1.22/src/runtime/proc.go", "runtime/proc.go"),
            (
                "/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.37.0/src/runtime/park.rs",
                "tokio/src/runtime/park.rs",
            ),
            (
                "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs",
                "library/core/src/panicking.rs",
            ),
            (
                "/var/www/app/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php",
                "laravel/framework/src/Illuminate/Pipeline/Pipeline.php",
            ),
            (
                "/var/www/shop/src/Controller/OrderController.php",
                "shop/src/Controller/OrderController.php",
            ),
            (
                r"C:\agent\_work\1\s\src\Shop.Api\Controllers\OrdersController.cs",
                "s/src/Shop.Api/Controllers/OrdersController.cs",
            ),
            (
                r"C:\inetpub\wwwroot\Shop.Api\Program.cs",
                "Shop.Api/Program.cs",
            ),
            ("/opt/shop/3f2a1b9/app.py", "app.py"),
            ("OrderService.java", "OrderService.java"),
            ("/srv/app/releases/41/", "/srv/app/releases/41/"),
        ];
        for (path, expected) in cases {
            assert_eq!(normalize_path(path), expected, "normalizing {path}");
        }
    }

    #[test]
    fn install_locations_do_not_matter() {
        let pairs = [
            (
                "/srv/app/releases/41/app/views.py",
                "/srv/app/releases/42/app/views.py",
            ),
            ("/app/dist/x.js", "/usr/src/app/dist/x.js"),
            ("/home/deploy/shop/app.py", "/home/ci/shop/app.py"),
        ];
        for (a, b) in pairs {
            assert_eq!(normalize_path(a), normalize_path(b), "{a} vs {b}");
        }
    }
}
