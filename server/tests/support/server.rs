//! The real intake and API routers on loopback ports, over a fresh SQLite database.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use server::http::{BodyLimits, IntakeState, agent_router, api_router, otlp_router};
use server::intake::Limits;
use server::pipeline::{Ingestor, Transition};
use server::storage::Store;

pub struct TestServer {
    pub api: String,
    pub agent: String,
    pub otlp: String,
    pub dir: PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub const MAX_BODY: usize = 64 * 1024;
pub const MAX_DECOMPRESSED: usize = 256 * 1024;

pub async fn start() -> TestServer {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "stackprint-http-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::connect(&format!("sqlite://{}", dir.join("test.db").display()))
        .await
        .expect("open store");
    let intake = IntakeState::new(
        Ingestor::start(
            store.clone(),
            server::pipeline::QUEUE_DEPTH,
            Transition::NONE,
        ),
        BodyLimits {
            max_body_bytes: MAX_BODY,
            max_inflight_bytes: 256 * 1024 * 1024,
            decode: Limits {
                max_body_bytes: MAX_DECOMPRESSED,
                ..Limits::default()
            },
        },
    );
    TestServer {
        api: listen(Router::new().nest("/api/v1", api_router(store))).await,
        agent: listen(agent_router(intake.clone())).await,
        otlp: listen(otlp_router(intake)).await,
        dir,
    }
}

async fn listen(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr").to_string();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    addr
}
