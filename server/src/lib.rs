//! The Stackprint server: intake of tracer traffic, storage, JSON API and the explorer UI.

pub mod intake;
pub mod storage;
