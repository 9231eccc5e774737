//! Pieces shared by the pages.

mod fingerprint;
mod stacktrace;
mod states;
mod status;
mod tags;
mod time;

pub use fingerprint::FingerprintTree;
pub use stacktrace::StackTrace;
pub use states::{ErrorNotice, Loading};
pub use status::{StatusBadge, status_label};
pub use tags::{MetricsTable, TagTable};
pub use time::Ago;
