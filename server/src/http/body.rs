//! Reading intake bodies: a size limit before anything is buffered; decoding then applies its own
//! limit after decompression (both configurable), so neither a huge upload nor a gzip bomb gets far.

use axum::body::{Body, Bytes};

use super::error::IntakeFailure;
use crate::intake;

#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_body_bytes: usize,
    pub max_decompressed_bytes: usize,
}

impl BodyLimits {
    pub fn intake(&self) -> intake::Limits {
        intake::Limits {
            max_body_bytes: self.max_decompressed_bytes,
        }
    }
}

/// The raw request body, refused past the configured size.
pub async fn read(body: Body, limits: BodyLimits) -> Result<Bytes, IntakeFailure> {
    axum::body::to_bytes(body, limits.max_body_bytes)
        .await
        .map_err(|e| {
            if is_length_limit(&e) {
                IntakeFailure::TooLarge {
                    limit: limits.max_body_bytes,
                }
            } else {
                IntakeFailure::Body(e.to_string())
            }
        })
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
