//! Reading intake bodies: a size limit before anything is buffered, then decompression with its own
//! limit (both configurable) so neither a huge upload nor a gzip bomb reaches the decoders.

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_ENCODING;

use super::error::IntakeFailure;
use crate::intake;

#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_body_bytes: usize,
    pub max_decompressed_bytes: usize,
}

/// The request body, decompressed according to `Content-Encoding`.
pub async fn read(body: Body, headers: &HeaderMap, limits: BodyLimits) -> Result<Bytes, IntakeFailure> {
    let raw = axum::body::to_bytes(body, limits.max_body_bytes)
        .await
        .map_err(|e| {
            if is_length_limit(&e) {
                IntakeFailure::TooLarge {
                    limit: limits.max_body_bytes,
                }
            } else {
                IntakeFailure::Body(e.to_string())
            }
        })?;
    let encoding = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(intake::decompress(raw, encoding, limits.max_decompressed_bytes)?)
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
