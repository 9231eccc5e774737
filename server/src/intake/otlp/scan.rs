//! A pass over an OTLP protobuf body before `prost` decodes it, walking the wire format without
//! allocating: it counts spans against `max_spans`, checks message nesting against `max_nesting` and
//! charges the structs `prost` will build (and the text it will copy) to the request's [`Budget`].
//!
//! `prost` materializes the whole request before returning, and an empty span is two bytes on the
//! wire but a ~200-byte struct, so 24 MiB of them would cost gigabytes before any check could run.
//! Anything malformed the walk cannot step over is refused here; what it can step over (wrong wire
//! types for known fields, bad UTF-8) is left for `prost` to report.

use std::mem::size_of;

use super::proto;
use crate::intake::IntakeError;
use crate::intake::budget::Budget;

/// The messages of `ExportTraceServiceRequest` that `prost` builds structs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Request,
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Status,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
}

impl Kind {
    /// The struct `prost` builds for one message of this kind.
    fn cost(self) -> usize {
        match self {
            Self::Request => size_of::<proto::ExportTraceServiceRequest>(),
            Self::ResourceSpans => size_of::<proto::ResourceSpans>(),
            Self::Resource => size_of::<proto::Resource>(),
            Self::ScopeSpans => size_of::<proto::ScopeSpans>(),
            Self::Scope => size_of::<proto::InstrumentationScope>(),
            Self::Span => size_of::<proto::Span>(),
            Self::Event => size_of::<proto::Event>(),
            Self::Status => size_of::<proto::Status>(),
            Self::KeyValue => size_of::<proto::KeyValue>(),
            Self::AnyValue => size_of::<proto::AnyValue>(),
            Self::ArrayValue => size_of::<proto::ArrayValue>(),
            Self::KeyValueList => size_of::<proto::KeyValueList>(),
        }
    }

    /// The message a length-delimited `field` of this kind holds; `None` for text, bytes and the
    /// fields `prost` skips (field numbers from opentelemetry-proto, as in [`proto`]).
    fn child(self, field: u64) -> Option<Self> {
        Some(match (self, field) {
            (Self::Request, 1) => Self::ResourceSpans,
            (Self::ResourceSpans, 1) => Self::Resource,
            (Self::ResourceSpans, 2) => Self::ScopeSpans,
            (Self::Resource, 1) | (Self::Span, 9) | (Self::Event, 3) => Self::KeyValue,
            (Self::KeyValueList, 1) => Self::KeyValue,
            (Self::ScopeSpans, 1) => Self::Scope,
            (Self::ScopeSpans, 2) => Self::Span,
            (Self::Span, 11) => Self::Event,
            (Self::Span, 15) => Self::Status,
            (Self::KeyValue, 2) | (Self::ArrayValue, 1) => Self::AnyValue,
            (Self::AnyValue, 5) => Self::ArrayValue,
            (Self::AnyValue, 6) => Self::KeyValueList,
            _ => return None,
        })
    }
}

pub(super) fn charge(body: &[u8], budget: &mut Budget<'_>) -> Result<(), IntakeError> {
    budget.charge(Kind::Request.cost())?;
    // Open messages and where each ends; iterative, so nesting costs no native stack.
    let mut open = vec![(Kind::Request, body.len())];
    let mut wire = Wire { body, pos: 0 };
    while let Some(&(kind, end)) = open.last() {
        if wire.pos == end {
            open.pop();
            continue;
        }
        let key = wire.varint(end)?;
        match key & 7 {
            0 => drop(wire.varint(end)?),
            1 => wire.skip(8, end)?,
            5 => wire.skip(4, end)?,
            2 => {
                let len = wire.varint(end)?;
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&len| len <= end - wire.pos)
                    .ok_or_else(|| wire.error("length past the end of its message"))?;
                match kind.child(key >> 3) {
                    Some(child) => {
                        budget.check_depth(open.len())?;
                        if child == Kind::Span {
                            budget.count_span()?;
                        }
                        budget.charge(child.cost())?;
                        open.push((child, wire.pos + len));
                    }
                    None => {
                        budget.charge(len)?;
                        wire.pos += len;
                    }
                }
            }
            3 | 4 => return Err(wire.error("groups are not part of OTLP")),
            _ => return Err(wire.error("unknown wire type")),
        }
    }
    Ok(())
}

struct Wire<'a> {
    body: &'a [u8],
    pos: usize,
}

impl Wire<'_> {
    fn error(&self, reason: &'static str) -> IntakeError {
        IntakeError::ProtobufWire {
            offset: self.pos,
            reason,
        }
    }

    fn varint(&mut self, end: usize) -> Result<u64, IntakeError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.body[..end].get(self.pos) else {
                return Err(self.error("truncated varint"));
            };
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.error("varint longer than 10 bytes"))
    }

    fn skip(&mut self, len: usize, end: usize) -> Result<(), IntakeError> {
        if end - self.pos < len {
            return Err(self.error("truncated fixed-width field"));
        }
        self.pos += len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::intake::{Limits, Unbounded};

    fn scan(body: &[u8], limits: Limits) -> Result<(), IntakeError> {
        let mut shared = Unbounded;
        let mut budget = Budget::new(&limits, &mut shared);
        budget.stage("payload", body.len());
        charge(body, &mut budget)
    }

    /// `n` empty spans in one scope: two bytes each on the wire.
    fn empty_spans(n: usize) -> Vec<u8> {
        proto::ExportTraceServiceRequest {
            resource_spans: vec![proto::ResourceSpans {
                resource: None,
                scope_spans: vec![proto::ScopeSpans {
                    scope: None,
                    spans: vec![proto::Span::default(); n],
                }],
            }],
        }
        .encode_to_vec()
    }

    #[test]
    fn counts_spans_before_prost_builds_them() {
        let limits = Limits {
            max_spans: 10,
            ..Limits::default()
        };
        scan(&empty_spans(10), limits).expect("ten spans");
        let err = scan(&empty_spans(11), limits).expect_err("eleven spans");
        assert_eq!(err.to_string(), "payload has more than 10 spans");
    }

    #[test]
    fn empty_span_floods_expand_too_much() {
        let body = empty_spans(1_000_000);
        assert!(body.len() < 2_100_000, "{} bytes", body.len());
        let limits = Limits {
            max_spans: usize::MAX,
            ..Limits::default()
        };
        let err = scan(&body, limits).expect_err("~100x expansion");
        assert_eq!(err.to_string(), "payload expands to more than 64x its size");
    }

    #[test]
    fn nested_attribute_values_stop_at_the_depth_limit() {
        let mut value = proto::AnyValue::default();
        for _ in 0..10 {
            value = proto::AnyValue {
                value: Some(proto::Value::Array(proto::ArrayValue {
                    values: vec![value],
                })),
            };
        }
        let span = proto::Span {
            attributes: vec![proto::KeyValue {
                key: "deep".into(),
                value: Some(value),
            }],
            ..proto::Span::default()
        };
        let body = proto::ExportTraceServiceRequest {
            resource_spans: vec![proto::ResourceSpans {
                resource: None,
                scope_spans: vec![proto::ScopeSpans {
                    scope: None,
                    spans: vec![span],
                }],
            }],
        }
        .encode_to_vec();
        scan(&body, Limits::default()).expect("25 levels fit in 32");
        let limits = Limits {
            max_nesting: 16,
            ..Limits::default()
        };
        let err = scan(&body, limits).expect_err("too deep");
        assert_eq!(err.to_string(), "values nested deeper than 16 levels");
    }

    #[test]
    fn malformed_wire_data_is_refused_with_its_offset() {
        let cases: [(&[u8], &str); 4] = [
            (
                &[0x0a, 0x05, 0x00],
                "invalid protobuf at byte 2: length past the end of its message",
            ),
            (&[0x0a], "invalid protobuf at byte 1: truncated varint"),
            (
                &[0x0b],
                "invalid protobuf at byte 1: groups are not part of OTLP",
            ),
            (
                &[0x09, 0x00],
                "invalid protobuf at byte 1: truncated fixed-width field",
            ),
        ];
        for (body, want) in cases {
            let err = scan(body, Limits::default()).expect_err("malformed");
            assert_eq!(err.to_string(), want, "{body:x?}");
        }
    }
}
