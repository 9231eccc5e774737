//! One file to deploy: the binary built with `embed-site`, copied alone into an empty directory and
//! started there with no flags but its ports, serves the pages, the WASM bundle and the CSS it was
//! built with, cacheable under their content hash, and nothing from the directory it runs in.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::client::Http;

/// The site the build script compiled in (it tells the tests where it read it).
const EMBEDDED_FROM: &str = env!("STACKPRINT_EMBEDDED_SITE");

struct Running {
    child: Child,
    dir: PathBuf,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free loopback port");
    format!("127.0.0.1:{port}")
}

/// The binary copied into a fresh directory and started from there, its database the default one.
async fn start_alone() -> Running {
    let dir = std::env::temp_dir().join(format!("stackprint-single-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("empty dir");
    let bin = dir.join("stackprint");
    std::fs::copy(env!("CARGO_BIN_EXE_stackprint"), &bin).expect("copy the binary");
    let addr = free_port();
    let child = Command::new(&bin)
        .args(["serve", "--listen", &addr])
        .args(["--agent-listen", "off", "--otlp-listen", "off"])
        .current_dir(&dir)
        .env_clear()
        .env("STACKPRINT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the copied binary");
    let running = Running { child, dir, addr };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut http) = Http::connect(&running.addr).await
            && let Ok((200, _)) = http.request("GET", "/signin", &[], &[]).await
        {
            return running;
        }
        assert!(
            Instant::now() < deadline,
            "no answer on {} within 60 s",
            running.addr
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn header<'a>(headers: &'a [String], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

/// The `/pkg/<hash>` directory the page names, and the page's references into it.
fn bundle_dir(page: &str) -> String {
    let start = page
        .find("href=\"/pkg/")
        .expect("the page links the bundle")
        + "href=\"".len();
    let end = start + page[start..].find("/stackprint").expect("a bundle file");
    page[start..end].to_string()
}

fn on_disk(relative: &str) -> Vec<u8> {
    std::fs::read(Path::new(EMBEDDED_FROM).join(relative)).expect("the embedded site's file")
}

#[tokio::test]
async fn the_binary_alone_serves_the_ui() {
    let app = start_alone().await;
    let mut http = Http::connect(&app.addr).await.expect("connect");

    let (status, page) = http
        .request("GET", "/signin", &[], &[])
        .await
        .expect("page");
    assert_eq!(status, 200);
    assert!(page.contains("Sign in"), "{page}");
    let pkg = bundle_dir(&page);
    assert_ne!(pkg, "/pkg", "the bundle is answered below its hash");
    for file in ["stackprint.css", "stackprint.js", "stackprint_bg.wasm"] {
        assert!(page.contains(&format!("{pkg}/{file}")), "{file} in {page}");
    }

    let cases = [
        ("stackprint.css", "text/css; charset=utf-8"),
        ("stackprint.js", "text/javascript; charset=utf-8"),
        ("stackprint_bg.wasm", "application/wasm"),
    ];
    for (file, content_type) in cases {
        let path = format!("{pkg}/{file}");
        let (status, body, headers) = http
            .request_with_headers("GET", &path, &[], &[])
            .await
            .expect("asset");
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            header(&headers, "content-type"),
            Some(content_type),
            "{path}"
        );
        assert_eq!(
            header(&headers, "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        let expected = on_disk(&format!("pkg/{file}"));
        let length = expected.len().to_string();
        assert_eq!(
            header(&headers, "content-length"),
            Some(length.as_str()),
            "{path}"
        );
        assert_eq!(body, String::from_utf8_lossy(&expected), "{path}");

        // Revalidation and compression.
        let etag = header(&headers, "etag").expect("etag").to_owned();
        let (status, _, _) = http
            .request_with_headers("GET", &path, &[("If-None-Match", &etag)], &[])
            .await
            .expect("revalidate");
        assert_eq!(status, 304, "{path}");
        let (status, _, headers) = http
            .request_with_headers("GET", &path, &[("Accept-Encoding", "gzip, br")], &[])
            .await
            .expect("gzip");
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-encoding"), Some("gzip"), "{path}");
        let gzipped: usize = header(&headers, "content-length")
            .and_then(|l| l.parse().ok())
            .expect("gzip length");
        assert!(gzipped < expected.len(), "{path} gzipped");
    }

    let (status, _, headers) = http
        .request_with_headers("GET", "/favicon.svg", &[], &[])
        .await
        .expect("favicon");
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("image/svg+xml"));
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));

    // The working directory holds the database now; none of it is a web page.
    assert!(app.dir.join("data/stackprint.db").is_file());
    for path in ["/data/stackprint.db", "/stackprint", "/pkg/stackprint.css"] {
        let (status, _) = http.request("GET", path, &[], &[]).await.expect("get");
        assert_eq!(status, 404, "{path}");
    }
}
