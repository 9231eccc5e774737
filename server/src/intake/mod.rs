//! Decoding tracer payloads into the span model, one file per protocol.
