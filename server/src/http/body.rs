//! Reading and decoding intake bodies under two kinds of limits: the request's own
//! (`--max-body-bytes`, checked against `Content-Length` before anything is read and against the
//! bytes as they stream in; then the decoding limits of [`intake::Limits`]) and the server's budget
//! of bytes in flight (`--max-inflight-bytes`), which every intake request shares: the body takes
//! from it as it streams in, decoding as it builds the payload, and all of it returns when the
//! request ends. A request the budget has no room for is refused at once with an overload answer,
//! never queued: waiting would hold its connection and buffers anyway.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use domain::span::Payload;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::IntakeState;
use super::error::{IntakeFailure, Overload};
use crate::intake::{self, Allowance, Endpoint};

#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Largest request body, as sent (before `Content-Encoding` is undone).
    pub max_body_bytes: usize,
    /// What every intake request together may hold in memory: bodies and decoded payloads.
    pub max_inflight_bytes: usize,
    /// The limits checked while decoding one request.
    pub decode: intake::Limits,
}

/// The semaphore counts KiB: `acquire_many` takes a `u32`, so bytes would cap one take at 4 GiB.
const UNIT: usize = 1024;

/// The server's budget of bytes in flight, shared by every intake request; cheap to clone.
#[derive(Debug, Clone)]
pub struct InflightBudget(Arc<Semaphore>);

impl InflightBudget {
    pub fn new(bytes: usize) -> Self {
        Self(Arc::new(Semaphore::new(
            (bytes / UNIT).min(Semaphore::MAX_PERMITS),
        )))
    }

    fn reservation(&self) -> Reservation {
        Reservation {
            budget: self.0.clone(),
            held: None,
        }
    }
}

/// What one request holds of the [`InflightBudget`]; given back when dropped.
pub struct Reservation {
    budget: Arc<Semaphore>,
    held: Option<OwnedSemaphorePermit>,
}

impl Allowance for Reservation {
    fn take(&mut self, bytes: usize) -> bool {
        let Ok(units) = u32::try_from(bytes.div_ceil(UNIT)) else {
            return false;
        };
        match self.budget.clone().try_acquire_many_owned(units) {
            Ok(permit) => {
                match &mut self.held {
                    Some(held) => held.merge(permit),
                    None => self.held = Some(permit),
                }
                true
            }
            Err(_) => false,
        }
    }
}

/// Reads and decodes one intake request. The payload comes with the [`Reservation`] that pays for
/// it: keep it until the payload is stored or dropped.
pub async fn decode_body(
    state: &IntakeState,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Payload, Reservation), IntakeFailure> {
    let mut reservation = state.inflight.reservation();
    let bytes = read(body, headers, state.limits.max_body_bytes, &mut reservation).await?;
    let limits = state.limits.decode;
    let headers = headers.clone();
    // Decoding is CPU work: keep it off the async workers.
    let (payload, reservation) = tokio::task::spawn_blocking(move || {
        let payload = intake::decode(endpoint, &headers, &bytes, &limits, &mut reservation);
        (payload, reservation)
    })
    .await
    .map_err(|_| IntakeFailure::Body("decoding was interrupted".into()))?;
    Ok((payload?, reservation))
}

/// The raw request body, refused past `max` bytes or when the budget has no room for it.
async fn read(
    mut body: Body,
    headers: &HeaderMap,
    max: usize,
    reservation: &mut Reservation,
) -> Result<Bytes, IntakeFailure> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(IntakeFailure::TooLarge { limit: max });
    }
    let mut paid = 0;
    let mut buf = Vec::new();
    if let Err(overload) = buf
        .try_reserve_exact(declared.unwrap_or(0))
        .map_err(|_| IntakeFailure::Overloaded(Overload::Memory))
        .and_then(|()| pay_for(&buf, &mut paid, reservation))
    {
        drain(body, 0, max).await;
        return Err(overload);
    }
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| IntakeFailure::Body(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if buf.len() + data.len() > max {
            return Err(IntakeFailure::TooLarge { limit: max });
        }
        buf.reserve(data.len());
        if let Err(overload) = pay_for(&buf, &mut paid, reservation) {
            drain(body, buf.len() + data.len(), max).await;
            return Err(overload);
        }
        buf.extend_from_slice(&data);
    }
    Ok(Bytes::from(buf))
}

/// Takes from the budget what the buffer's capacity grew by since `paid`, before a byte of the
/// new room is written.
fn pay_for(
    buf: &Vec<u8>,
    paid: &mut usize,
    reservation: &mut Reservation,
) -> Result<(), IntakeFailure> {
    if buf.capacity() > *paid {
        if !reservation.take(buf.capacity() - *paid) {
            return Err(IntakeFailure::Overloaded(Overload::Memory));
        }
        *paid = buf.capacity();
    }
    Ok(())
}

/// Reads the rest of a refused body without keeping it, up to `max` bytes: a client still sending
/// when the server closes gets a reset instead of the answer, and Datadog tracers must read their
/// 200 (or 429) to stay quiet.
async fn drain(mut body: Body, mut read: usize, max: usize) {
    while read <= max {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len()),
            _ => return,
        }
    }
}
