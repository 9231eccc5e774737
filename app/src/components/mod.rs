//! Pieces shared by the pages.

mod fingerprint;
mod flame_axis;
mod flame_details;
mod flame_graph;
mod flame_layout;
mod flame_parts;
#[cfg(all(test, feature = "ssr"))]
mod flame_ssr_tests;
mod flame_view;
mod stacktrace;
mod states;
mod status;
mod tags;
mod time;

pub use fingerprint::FingerprintTree;
pub use flame_axis::format_duration;
pub use flame_graph::FlameGraph;
pub use flame_layout::bounds;
pub use stacktrace::StackTrace;
pub use states::{ErrorNotice, Loading};
pub use status::{StatusBadge, status_label};
pub use tags::{MetricsTable, TagTable};
pub use time::Ago;
