//! With the `embed-site` feature, the built site (WASM bundle, CSS, public assets; `make site-release`
//! or `make site-debug` puts it in `target/site`) is compiled into the binary, so one file serves the
//! whole UI. Each file gets its content type, a strong ETag and, when it shrinks, a gzip copy, all
//! computed here once instead of on every start. `STACKPRINT_EMBED_SITE` names another site directory.

#[cfg(feature = "embed-site")]
fn main() -> anyhow::Result<()> {
    println!("cargo:rerun-if-changed=build.rs");
    embed::run()
}

#[cfg(not(feature = "embed-site"))]
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}

#[cfg(feature = "embed-site")]
mod embed {
    use std::fmt::Write as _;
    use std::io::Write as _;
    use std::path::{Path, PathBuf};

    use anyhow::{Context, bail};
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use sha2::{Digest, Sha256};

    /// The bundle's entry points; a site without them would serve pages that never hydrate.
    const REQUIRED: [&str; 3] = [
        "pkg/stackprint.js",
        "pkg/stackprint_bg.wasm",
        "pkg/stackprint.css",
    ];

    /// A gzip copy is kept only when it saves at least this share (images are compressed already).
    const MIN_SAVING: f64 = 0.1;

    pub fn run() -> anyhow::Result<()> {
        println!("cargo:rerun-if-env-changed=STACKPRINT_EMBED_SITE");
        let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
        let site = match std::env::var_os("STACKPRINT_EMBED_SITE") {
            Some(dir) => PathBuf::from(dir),
            None => manifest.join("../target/site"),
        };
        let site = site.canonicalize().with_context(|| {
            format!(
                "the site to embed, {}: build it first (make site-release)",
                site.display()
            )
        })?;
        // A directory: cargo rescans every file below it.
        println!("cargo:rerun-if-changed={}", site.display());
        // The single-binary test compares what is served with these files.
        println!(
            "cargo:rustc-env=STACKPRINT_EMBEDDED_SITE={}",
            site.display()
        );
        for required in REQUIRED {
            if !site.join(required).is_file() {
                bail!(
                    "{} has no {required}: build the site first (make site-release)",
                    site.display()
                );
            }
        }
        let mut files = Vec::new();
        walk(&site, &site, &mut files)?;
        files.sort();

        let out = PathBuf::from(std::env::var("OUT_DIR")?);
        let gzip_dir = out.join("site-gzip");
        std::fs::create_dir_all(&gzip_dir)?;
        // Everything under pkg/ is served below one content hash, so browsers may cache it forever.
        let mut bundle = Sha256::new();
        let mut code = String::from("&[\n");
        for (index, relative) in files.iter().enumerate() {
            let path = site.join(relative);
            let body =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            if relative.starts_with("pkg/") {
                bundle.update(relative.as_bytes());
                bundle.update((body.len() as u64).to_le_bytes());
                bundle.update(&body);
            }
            let etag = hex(&Sha256::digest(&body)[..8]);
            let gzip = if compressible(relative) {
                Some(gzip(&body)?)
                    .filter(|gz| (gz.len() as f64) < body.len() as f64 * (1.0 - MIN_SAVING))
            } else {
                None
            };
            let gzip = match gzip {
                Some(gz) => {
                    let gz_path = gzip_dir.join(format!("{index}.gz"));
                    std::fs::write(&gz_path, gz)?;
                    format!("Some(include_bytes!({:?}))", gz_path.display().to_string())
                }
                None => "None".to_string(),
            };
            writeln!(
                code,
                "    Asset {{ path: {relative:?}, content_type: {:?}, etag: {etag:?}, body: include_bytes!({:?}), gzip: {gzip} }},",
                content_type(relative),
                path.display().to_string(),
            )?;
        }
        code.push(']');
        let hash = hex(&bundle.finalize()[..8]);
        std::fs::write(
            out.join("site.rs"),
            format!("Bundle {{ hash: {hash:?}, files: {code} }}\n"),
        )?;
        Ok(())
    }

    /// Every file below `dir`, as a `/`-separated path relative to `root`.
    fn walk(root: &Path, dir: &Path, files: &mut Vec<String>) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, files)?;
            } else {
                let relative = path.strip_prefix(root)?;
                let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
                files.push(parts.join("/"));
            }
        }
        Ok(())
    }

    fn gzip(body: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(body)?;
        Ok(encoder.finish()?)
    }

    fn extension(path: &str) -> &str {
        path.rsplit_once('.').map_or("", |(_, ext)| ext)
    }

    fn compressible(path: &str) -> bool {
        matches!(
            extension(path),
            "js" | "mjs"
                | "wasm"
                | "css"
                | "svg"
                | "html"
                | "json"
                | "map"
                | "txt"
                | "xml"
                | "webmanifest"
        )
    }

    /// What the assets a Leptos site ships are; anything else is served as bytes.
    fn content_type(path: &str) -> &'static str {
        match extension(path) {
            "js" | "mjs" => "text/javascript; charset=utf-8",
            "wasm" => "application/wasm",
            "css" => "text/css; charset=utf-8",
            "svg" => "image/svg+xml",
            "html" => "text/html; charset=utf-8",
            "json" | "map" => "application/json",
            "webmanifest" => "application/manifest+json",
            "txt" => "text/plain; charset=utf-8",
            "xml" => "application/xml",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "ico" => "image/x-icon",
            "woff2" => "font/woff2",
            "woff" => "font/woff",
            _ => "application/octet-stream",
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}
