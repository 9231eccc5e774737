//! Stackprint's pure domain: what a span is, which spans make an error event, how a stack trace reads and
//! how errors group. No I/O, no async runtime: the server and the WASM client compile the same code.

pub mod access;
pub mod audit;
pub mod errors;
pub mod explorer;
pub mod grouping;
pub mod intake;
pub mod query;
pub mod source;
pub mod span;
pub mod stacktrace;
pub mod teamwork;
