//! The Stackprint server: intake of tracer traffic, storage, JSON API and the explorer UI.

pub mod audit;
pub mod auth;
pub mod config;
pub mod explorer;
pub mod github;
pub mod http;
pub mod intake;
pub mod networks;
pub mod pipeline;
pub mod serve;
pub mod site;
pub mod source;
pub mod storage;
pub mod teamwork;
