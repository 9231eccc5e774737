//! Where the explorer's WASM bundle, CSS and public assets come from: a directory (`--site-root`,
//! development and the test builds) or the copy compiled into the binary (`embed-site`, what
//! `make build` ships, so the binary alone serves the whole UI).

mod embedded;

use std::path::PathBuf;

pub use embedded::{Asset, Bundle};

/// The site a server answers the WASM bundle, CSS and public assets from.
#[derive(Debug, Clone)]
pub enum Site {
    /// A built site directory (`target/site`): `pkg/` with the bundle and CSS, public assets beside.
    Disk(PathBuf),
    /// The site compiled into this binary; its `pkg/` files are answered below their content hash.
    Embedded(&'static Bundle),
}

impl Site {
    /// `--site-root` when given; otherwise the site compiled in, or `target/site` (next to the working
    /// directory, where `make site-debug` puts it) in builds without one.
    pub fn choose(site_root: Option<PathBuf>) -> Self {
        match (site_root, embedded::compiled_in()) {
            (Some(root), _) => Self::Disk(root),
            (None, Some(bundle)) => Self::Embedded(bundle),
            (None, None) => Self::Disk(PathBuf::from("target/site")),
        }
    }

    /// The URL directory (below `/`) of the bundle and CSS: `pkg`, or `pkg/<hash>` when embedded so
    /// a new release never meets a browser's cached copy of the old one.
    pub fn pkg_dir(&self) -> String {
        match self {
            Self::Disk(_) => "pkg".to_string(),
            Self::Embedded(bundle) => format!("pkg/{}", bundle.hash),
        }
    }
}
