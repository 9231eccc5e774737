//! Stack frame paths to repository paths.
//!
//! Order of the rules, first match wins:
//! 1. **Manual mappings** ([`CodeMapping`]): a frame path starting with `stack_root` becomes
//!    `source_root` + the rest. The longest matching `stack_root` wins; mappings of the event's service
//!    and service-less ones both apply.
//! 2. **Module names** (Java, Kotlin, Scala): the runtime prints a bare file name (`Cart.java`) and the
//!    class (`com.acme.checkout.Cart$Line`); the package gives the directories,
//!    `com/acme/checkout/Cart.java`, which is then found by suffix like a path.
//! 3. **Path suffixes**: the repository path at the commit sharing the most trailing path components
//!    with the frame path. `/srv/app/releases/42/checkout/views.py` finds `shop/checkout/views.py`.
//!    Ties: the candidate with the fewest components wins (a file at the repository root beats the same
//!    name deeper down, as deployments usually copy the repository root); when that still ties, the
//!    frame is not mapped rather than shown with code from a file that may be the wrong one.
//!
//! Frame paths are normalized first: `file://` and `webpack://` prefixes go, backslashes become
//! slashes, `.` segments and empty segments are dropped.

use std::collections::HashMap;

use super::{CodeMapping, MappingUsed};
use crate::stacktrace::Frame;

/// A frame path in one spelling: forward slashes, no scheme, no `.` segments.
///
/// `file:///srv/app/x.py` → `/srv/app/x.py`; `webpack:///./src/x.js` → `src/x.js`;
/// `webpack://shop/./src/x.js` → `src/x.js`; `C:\agent\_work\s\src\A.cs` → `C:/agent/_work/s/src/A.cs`.
pub fn normalize_path(path: &str) -> String {
    let path = path.trim();
    let path = path.replace('\\', "/");
    let mut rest = path.as_str();
    if let Some(after) = rest.strip_prefix("file://") {
        rest = after;
        // `file:///C:/x` has a drive after the third slash.
        if rest.len() > 2 && rest.as_bytes()[2] == b':' && rest.starts_with('/') {
            rest = &rest[1..];
        }
    } else if let Some(after) = rest.strip_prefix("webpack://") {
        // `webpack://{namespace}/./src/x.js`: the namespace is a bundle name, not a directory.
        rest = match after.find("/./") {
            Some(i) => &after[i + 3..],
            None => after.trim_start_matches('/'),
        };
    }
    let absolute = rest.starts_with('/');
    let joined = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// The first rule: the manual mapping with the longest `stack_root` that `path` (normalized) starts
/// with, among those of `service` and those for every service.
pub fn manual(
    path: &str,
    service: &str,
    mappings: &[CodeMapping],
) -> Option<(String, MappingUsed)> {
    let best = mappings
        .iter()
        .filter(|m| m.service.as_deref().is_none_or(|s| s == service))
        .filter_map(|m| {
            let root = normalize_path(&m.stack_root);
            let rest = strip_root(path, &root)?;
            Some((root.len(), m, rest))
        })
        .max_by_key(|(len, m, _)| (*len, std::cmp::Reverse(m.id)))?;
    let (_, m, rest) = best;
    let source_root = m.source_root.trim_matches('/');
    let repo_path = match (source_root.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (false, true) => source_root.to_owned(),
        (false, false) => format!("{source_root}/{rest}"),
    };
    Some((
        repo_path,
        MappingUsed::Manual {
            id: m.id,
            stack_root: m.stack_root.clone(),
            source_root: m.source_root.clone(),
        },
    ))
}

/// `path` without `root` when `root` is a whole-component prefix of it (`/srv/app` is a prefix of
/// `/srv/app/x.py`, not of `/srv/application/x.py`).
fn strip_root<'p>(path: &'p str, root: &str) -> Option<&'p str> {
    if root.is_empty() || root == "/" {
        return Some(path.trim_start_matches('/'));
    }
    let root = root.trim_end_matches('/');
    let rest = path.strip_prefix(root)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix('/')
    }
}

/// The path to look up for a frame whose file is a bare name qualified by a class: Java's
/// `com.acme.checkout.Cart$Line` in `Cart.java` → `com/acme/checkout/Cart.java`. `None` when the frame
/// has a path already or no dotted module.
pub fn module_path(frame: &Frame) -> Option<String> {
    let file = frame.file.as_deref()?;
    let module = frame.module.as_deref()?;
    if file.contains(['/', '\\']) || !file.contains('.') {
        return None;
    }
    let (package, _class) = module.rsplit_once('.')?;
    if package.is_empty() || package.contains(['/', '\\', ' ']) {
        return None;
    }
    Some(format!("{}/{file}", package.replace('.', "/")))
}

/// The repository's file paths at one commit, indexed by file name for suffix lookups.
#[derive(Debug, Clone, Default)]
pub struct TreeIndex {
    paths: Vec<String>,
    by_name: HashMap<String, Vec<usize>>,
}

impl TreeIndex {
    pub fn new(paths: Vec<String>) -> Self {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, path) in paths.iter().enumerate() {
            let name = path.rsplit('/').next().unwrap_or(path);
            by_name.entry(name.to_owned()).or_default().push(i);
        }
        Self { paths, by_name }
    }

    pub fn contains(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.by_name
            .get(name)
            .is_some_and(|ids| ids.iter().any(|&i| self.paths[i] == path))
    }

    /// The third rule: the repository path sharing the most trailing components with `path`
    /// (normalized), ties as the module documentation says. Returns the repository path and how many
    /// components matched.
    pub fn best_suffix(&self, path: &str) -> Option<(&str, usize)> {
        let wanted = components(path);
        let name = wanted.last()?;
        let candidates = self.by_name.get(*name)?;
        let mut best: Option<(usize, usize, &str)> = None;
        let mut tied = false;
        for &i in candidates {
            let candidate = self.paths[i].as_str();
            let have = components(candidate);
            let shared = wanted
                .iter()
                .rev()
                .zip(have.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            // Longer shared suffix, then fewer components.
            let better = match best {
                None => true,
                Some((s, depth, _)) => {
                    (shared, std::cmp::Reverse(have.len())) > (s, std::cmp::Reverse(depth))
                }
            };
            let same = best.is_some_and(|(s, depth, _)| s == shared && depth == have.len());
            if better {
                best = Some((shared, have.len(), candidate));
                tied = false;
            } else if same {
                tied = true;
            }
        }
        match best {
            Some((shared, _, path)) if shared > 0 && !tied => Some((path, shared)),
            _ => None,
        }
    }
}

/// What the rules made of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// A repository path, and the rule that gave it.
    Path(String, MappingUsed),
    /// Suffix matching needs the repository tree; call [`map_frame`] again with it.
    NeedsTree,
    /// No rule applies; `path` is the normalized frame path for the note.
    NotMapped { path: String },
}

/// Maps a frame's file. Manual mappings apply without the tree; the other rules need `tree`.
pub fn map_frame(
    frame: &Frame,
    service: &str,
    mappings: &[CodeMapping],
    tree: Option<&TreeIndex>,
) -> Mapped {
    let Some(file) = frame.file.as_deref().filter(|f| !f.trim().is_empty()) else {
        return Mapped::NotMapped {
            path: frame.module.clone().unwrap_or_default(),
        };
    };
    let path = normalize_path(file);
    if let Some((repo_path, used)) = manual(&path, service, mappings) {
        return Mapped::Path(repo_path, used);
    }
    let Some(tree) = tree else {
        return Mapped::NeedsTree;
    };
    if let Some(module_path) = module_path(frame)
        && let Some((found, _)) = tree.best_suffix(&module_path)
    {
        return Mapped::Path(
            found.to_owned(),
            MappingUsed::Module {
                module: frame.module.clone().unwrap_or_default(),
            },
        );
    }
    match tree.best_suffix(&path) {
        Some((found, shared)) => {
            let frame_parts = components(&path);
            let repo_parts = components(found);
            let stack_root = frame_parts[..frame_parts.len() - shared].join("/");
            let stack_root = match (path.starts_with('/'), stack_root.is_empty()) {
                (true, true) => "/".to_owned(),
                (true, false) => format!("/{stack_root}/"),
                (false, true) => String::new(),
                (false, false) => format!("{stack_root}/"),
            };
            let source_root = repo_parts[..repo_parts.len() - shared].join("/");
            let source_root = if source_root.is_empty() {
                source_root
            } else {
                format!("{source_root}/")
            };
            Mapped::Path(
                found.to_owned(),
                MappingUsed::Suffix {
                    stack_root,
                    source_root,
                },
            )
        }
        None => Mapped::NotMapped { path },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_frame_paths() {
        let cases = [
            (
                "/srv/app/releases/42/checkout/views.py",
                "/srv/app/releases/42/checkout/views.py",
            ),
            (
                "file:///usr/src/app/dist/server.js",
                "/usr/src/app/dist/server.js",
            ),
            ("file:///C:/app/x.js", "C:/app/x.js"),
            ("webpack:///./src/routes/cart.js", "src/routes/cart.js"),
            ("webpack:///src/routes/cart.js", "src/routes/cart.js"),
            (
                "webpack://shop-api/./src/routes/cart.js",
                "src/routes/cart.js",
            ),
            (
                "C:\\agent\\_work\\14\\s\\src\\Contoso.Billing\\Gateway\\RatesClient.cs",
                "C:/agent/_work/14/s/src/Contoso.Billing/Gateway/RatesClient.cs",
            ),
            ("./src/cart/pricing.rs", "src/cart/pricing.rs"),
            ("/usr/src/app//dist/./x.js", "/usr/src/app/dist/x.js"),
            ("app/models/cart.rb", "app/models/cart.rb"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_path(raw), want, "{raw}");
        }
    }

    fn tree() -> TreeIndex {
        TreeIndex::new(
            [
                "README.md",
                "manage.py",
                "shop/checkout/views.py",
                "shop/catalog/views.py",
                "shop/views.py",
                "src/routes/cart.js",
                "dist/x.js",
                "src/x.js",
                "internal/handlers/orders.go",
                "app/models/cart.rb",
                "src/main/java/com/acme/checkout/Cart.java",
                "src/main/kotlin/com/acme/billing/Invoice.kt",
                "src/Contoso.Billing/Gateway/RatesClient.cs",
                "src/Cart/PriceCalculator.php",
                "order-sync/src/sync.rs",
                "a/util.py",
                "b/util.py",
            ]
            .map(String::from)
            .to_vec(),
        )
    }

    fn frame(file: &str, module: Option<&str>) -> Frame {
        Frame {
            file: Some(file.into()),
            module: module.map(Into::into),
            line: Some(10),
            in_app: true,
            ..Frame::default()
        }
    }

    fn suffix(path: &str, stack_root: &str, source_root: &str) -> Mapped {
        Mapped::Path(
            path.into(),
            MappingUsed::Suffix {
                stack_root: stack_root.into(),
                source_root: source_root.into(),
            },
        )
    }

    #[test]
    fn maps_by_suffix_per_language() {
        let tree = tree();
        let cases = [
            (
                frame(
                    "/srv/app/releases/42/shop/checkout/views.py",
                    Some("shop.checkout.views"),
                ),
                suffix("shop/checkout/views.py", "/srv/app/releases/42/", ""),
            ),
            (
                frame("/srv/app/releases/42/checkout/views.py", None),
                suffix("shop/checkout/views.py", "/srv/app/releases/42/", "shop/"),
            ),
            // Only the file name matches: the shallowest candidate.
            (
                frame("/app/views.py", None),
                suffix("shop/views.py", "/app/", "shop/"),
            ),
            (
                frame("/usr/src/app/dist/x.js", None),
                suffix("dist/x.js", "/usr/src/app/", ""),
            ),
            (
                frame("webpack:///./src/routes/cart.js", None),
                suffix("src/routes/cart.js", "", ""),
            ),
            (
                frame("/build/internal/handlers/orders.go", None),
                suffix("internal/handlers/orders.go", "/build/", ""),
            ),
            (
                frame("/var/www/app/app/models/cart.rb", None),
                suffix("app/models/cart.rb", "/var/www/app/", ""),
            ),
            (
                frame(
                    "C:\\agent\\_work\\14\\s\\src\\Contoso.Billing\\Gateway\\RatesClient.cs",
                    None,
                ),
                suffix(
                    "src/Contoso.Billing/Gateway/RatesClient.cs",
                    "C:/agent/_work/14/s/",
                    "",
                ),
            ),
            (
                frame("/srv/shop/src/Cart/PriceCalculator.php", None),
                suffix("src/Cart/PriceCalculator.php", "/srv/shop/", ""),
            ),
            (
                frame("/build/order-sync/src/sync.rs", None),
                suffix("order-sync/src/sync.rs", "/build/", ""),
            ),
            (
                frame("./src/sync.rs", None),
                suffix("order-sync/src/sync.rs", "", "order-sync/"),
            ),
            // Java and Kotlin: the class names the directories.
            (
                frame("Cart.java", Some("com.acme.checkout.Cart$Line")),
                Mapped::Path(
                    "src/main/java/com/acme/checkout/Cart.java".into(),
                    MappingUsed::Module {
                        module: "com.acme.checkout.Cart$Line".into(),
                    },
                ),
            ),
            (
                frame("Invoice.kt", Some("com.acme.billing.InvoiceKt")),
                Mapped::Path(
                    "src/main/kotlin/com/acme/billing/Invoice.kt".into(),
                    MappingUsed::Module {
                        module: "com.acme.billing.InvoiceKt".into(),
                    },
                ),
            ),
            // Equally good candidates: not mapped rather than maybe wrong.
            (
                frame("/srv/util.py", None),
                Mapped::NotMapped {
                    path: "/srv/util.py".into(),
                },
            ),
            (
                frame("/srv/app/missing.py", None),
                Mapped::NotMapped {
                    path: "/srv/app/missing.py".into(),
                },
            ),
            (
                frame("Thread.java", Some("java.lang.Thread")),
                Mapped::NotMapped {
                    path: "Thread.java".into(),
                },
            ),
        ];
        for (frame, want) in cases {
            assert_eq!(
                map_frame(&frame, "shop", &[], Some(&tree)),
                want,
                "{frame:?}"
            );
        }
    }

    fn mapping(id: i64, service: Option<&str>, stack_root: &str, source_root: &str) -> CodeMapping {
        CodeMapping {
            id,
            repository_id: 1,
            service: service.map(Into::into),
            stack_root: stack_root.into(),
            source_root: source_root.into(),
        }
    }

    #[test]
    fn manual_mappings_come_first_longest_root_wins() {
        let mappings = [
            mapping(1, None, "/srv/app/", "shop/"),
            mapping(2, None, "/srv/app/releases/42", "src"),
            mapping(
                3,
                Some("other"),
                "/srv/app/releases/42/checkout",
                "elsewhere",
            ),
            mapping(4, None, "C:\\agent\\_work\\14\\s\\", ""),
        ];
        let cases = [
            (
                "/srv/app/releases/42/checkout/views.py",
                Some(("src/checkout/views.py", 2)),
            ),
            ("/srv/app/manage.py", Some(("shop/manage.py", 1))),
            ("/srv/application/x.py", None),
            ("C:\\agent\\_work\\14\\s\\src\\A.cs", Some(("src/A.cs", 4))),
        ];
        for (file, want) in cases {
            let got = match map_frame(&frame(file, None), "shop", &mappings, None) {
                Mapped::Path(path, MappingUsed::Manual { id, .. }) => Some((path, id)),
                Mapped::NeedsTree => None,
                other => panic!("{file}: {other:?}"),
            };
            assert_eq!(
                got.as_ref().map(|(p, id)| (p.as_str(), *id)),
                want,
                "{file}"
            );
        }
    }

    #[test]
    fn frames_without_a_file_are_not_mapped() {
        let frame = Frame {
            module: Some("main".into()),
            ..Frame::default()
        };
        assert_eq!(
            map_frame(&frame, "shop", &[], None),
            Mapped::NotMapped {
                path: "main".into()
            }
        );
    }

    #[test]
    fn tree_lookup() {
        let tree = tree();
        assert!(tree.contains("shop/views.py"));
        assert!(!tree.contains("views.py"));
    }
}
