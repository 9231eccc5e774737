//! The project root of one event (2026-12): the deepest directory holding every in-app file of the
//! stack, found in the event itself. Frames are then identified by their path below it, so the same code
//! deployed under `/app`, `/srv/shop/releases/20261201T1200/`, `/home/runner/work/shop/shop/`,
//! `C:\inetpub\wwwroot\` or a root never seen before (`/mnt/disk2/svc-7/`) gives the same components,
//! and the fingerprint stays a pure function of the event.
//!
//! Only absolute file-system paths take part: URLs (`https://cdn/…`, `webpack:///src/…`) and relative
//! paths (`src/cart.ts`) are already independent of where the service runs. When the in-app files share
//! no directory at all (`/usr/local/lib/…` next to `/app/…`), each top-level directory has its own root,
//! so one stray file does not put the whole deploy path back into every frame.

use crate::stacktrace::Frame;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectRoot {
    /// Directory segments of each root; none before 2026-12 or without absolute in-app paths.
    roots: Vec<Vec<String>>,
    /// How the event writes paths, for [`ProjectRoot::describe`]: a drive (`C:`) and `\`, or `/`.
    drive: Option<String>,
    separator: char,
}

impl ProjectRoot {
    /// The root of the in-app files (as `in_app` says) of every exception of the chain.
    pub fn find<'a>(
        frames: impl IntoIterator<Item = &'a Frame>,
        in_app: impl Fn(&Frame) -> bool,
    ) -> Self {
        let files: Vec<&str> = frames
            .into_iter()
            .filter(|frame| in_app(frame))
            .filter_map(|frame| frame.file.as_deref())
            .filter(|file| segments(file).is_some())
            .collect();
        let (drive, separator) = files.first().map_or((None, '/'), |file| style(file));
        let dirs: Vec<Vec<&str>> = files
            .iter()
            .filter_map(|file| segments(file))
            .map(|mut segments| {
                segments.pop();
                segments
            })
            .collect();
        let shared = common_prefix(dirs.iter().map(Vec::as_slice));
        let roots = if !shared.is_empty() || dirs.is_empty() {
            vec![shared]
        } else {
            let mut tops: Vec<&str> = dirs.iter().filter_map(|d| d.first().copied()).collect();
            tops.sort_unstable();
            tops.dedup();
            tops.into_iter()
                .map(|top| {
                    common_prefix(
                        dirs.iter()
                            .filter(|d| d.first() == Some(&top))
                            .map(Vec::as_slice),
                    )
                })
                .collect()
        };
        let roots = roots
            .into_iter()
            .filter(|root| !root.is_empty())
            .map(|root| root.into_iter().map(str::to_owned).collect())
            .collect();
        Self {
            roots,
            drive,
            separator,
        }
    }

    /// `path` below its root (`app/models/cart.rb`); `None` for paths under no root.
    pub fn relative(&self, path: &str) -> Option<String> {
        let segments = segments(path)?;
        let root = self
            .roots
            .iter()
            .filter(|root| root.len() < segments.len())
            .find(|root| root.iter().zip(&segments).all(|(a, b)| a == b))?;
        Some(segments[root.len()..].join("/"))
    }

    /// The last directory of the root holding `path`, when it is a conventional source directory that
    /// people name in paths (`app/models/cart.rb`, `src/cart.ts`): for display only, since a deploy root
    /// may be called `app` too.
    pub fn source_dir(&self, path: &str) -> Option<&str> {
        let segments = segments(path)?;
        let root = self.roots.iter().find(|root| {
            root.len() < segments.len() && root.iter().zip(&segments).all(|(a, b)| a == b)
        })?;
        root.last()
            .map(String::as_str)
            .filter(|last| SOURCE_DIRS.contains(last))
    }

    /// How the roots read, for the "why grouped" explanation, as the event wrote them:
    /// `/srv/shop/releases/41/`, `C:\inetpub\wwwroot\shop\`.
    pub fn describe(&self) -> Option<String> {
        let sep = self.separator.to_string();
        let drive = self.drive.as_deref().unwrap_or_default();
        (!self.roots.is_empty()).then(|| {
            self.roots
                .iter()
                .map(|root| format!("{drive}{sep}{}{sep}", root.join(&sep)))
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

/// Directory names that are part of a project's own layout (Rails `app/`, `lib/`; Node `src/`,
/// `dist/`, `build/`; PHP `src/`, `public/`).
const SOURCE_DIRS: [&str; 6] = ["app", "lib", "src", "dist", "build", "public"];

/// The segments of an absolute file-system path, `\` read as `/` and a drive or `file://` dropped;
/// `None` for URLs and relative paths.
fn segments(path: &str) -> Option<Vec<&str>> {
    let path = path.trim();
    let path = path.strip_prefix("file://").unwrap_or(path);
    if path.contains("://") {
        return None;
    }
    let bytes = path.as_bytes();
    let path = if bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        &path[2..]
    } else {
        path
    };
    if !path.starts_with(['/', '\\']) {
        return None;
    }
    let segments: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    (!segments.is_empty()).then_some(segments)
}

/// The drive and separator of an absolute path: `(Some("C:"), '\\')` for `C:\inetpub\a.php`.
fn style(path: &str) -> (Option<String>, char) {
    let path = path.trim();
    let path = path.strip_prefix("file://").unwrap_or(path);
    let bytes = path.as_bytes();
    let drive = (bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
        .then(|| path[..2].to_owned());
    let separator = if path.contains('\\') { '\\' } else { '/' };
    (drive, separator)
}

fn common_prefix<'a, 'b>(mut dirs: impl Iterator<Item = &'b [&'a str]>) -> Vec<&'a str>
where
    'a: 'b,
{
    let Some(first) = dirs.next() else {
        return Vec::new();
    };
    let mut shared = first.len();
    for dir in dirs {
        shared = shared.min(first.iter().zip(dir).take_while(|(a, b)| a == b).count());
    }
    first[..shared].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(paths: &[&str]) -> ProjectRoot {
        let frames: Vec<Frame> = paths
            .iter()
            .map(|p| Frame {
                file: Some((*p).to_owned()),
                in_app: true,
                ..Frame::default()
            })
            .collect();
        ProjectRoot::find(&frames, |f| f.in_app)
    }

    #[test]
    fn relative_to_the_deepest_shared_directory() {
        let cases: [(&[&str], &str, Option<&str>); 7] = [
            (
                &[
                    "/app/app/models/cart.rb",
                    "/app/app/controllers/carts_controller.rb",
                ],
                "/app/app/models/cart.rb",
                Some("models/cart.rb"),
            ),
            (
                &[
                    "/srv/shop/releases/41/lib/a.py",
                    "/srv/shop/releases/41/b.py",
                ],
                "/srv/shop/releases/41/lib/a.py",
                Some("lib/a.py"),
            ),
            (
                &[
                    r"C:\inetpub\wwwroot\Shop\a.php",
                    r"C:\inetpub\wwwroot\Shop\src\b.php",
                ],
                r"C:\inetpub\wwwroot\Shop\src\b.php",
                Some("src/b.php"),
            ),
            (
                &["/mnt/disk2/svc-7/x.js"],
                "/mnt/disk2/svc-7/x.js",
                Some("x.js"),
            ),
            (
                &[
                    "/usr/local/lib/helper.py",
                    "/app/shop/a.py",
                    "/app/shop/b/c.py",
                ],
                "/app/shop/b/c.py",
                Some("b/c.py"),
            ),
            (&["src/cart.ts"], "src/cart.ts", None),
            (
                &["https://cdn.example.com/a/b.js"],
                "https://cdn.example.com/a/b.js",
                None,
            ),
        ];
        for (paths, path, expected) in cases {
            assert_eq!(
                root(paths).relative(path).as_deref(),
                expected,
                "{paths:?} {path}"
            );
        }
    }

    #[test]
    fn describes_and_names_source_dirs() {
        let rails = root(&["/rails/app/models/cart.rb", "/rails/app/jobs/sync_job.rb"]);
        assert_eq!(rails.describe().as_deref(), Some("/rails/app/"));
        assert_eq!(rails.source_dir("/rails/app/models/cart.rb"), Some("app"));
        let flat = root(&["/srv/shop/a.py", "/srv/shop/b.py"]);
        assert_eq!(flat.source_dir("/srv/shop/a.py"), None);
        assert_eq!(root(&["node:internal/timers"]).describe(), None);
        let iis = root(&[
            r"C:\inetpub\wwwroot\shop\a.php",
            r"C:\inetpub\wwwroot\shop\b.php",
        ]);
        assert_eq!(iis.describe().as_deref(), Some(r"C:\inetpub\wwwroot\shop\"));
    }
}
