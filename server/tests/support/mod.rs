//! Helpers of the HTTP integration tests: a raw HTTP/1.1 client and the real routers on loopback.

pub mod client;
pub mod server;
