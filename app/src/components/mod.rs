//! Pieces shared by the pages.

mod breakdown;
mod chart;
mod copy_snippet;
mod facet_panel;
mod fingerprint;
mod flame_axis;
mod flame_details;
mod flame_graph;
mod flame_layout;
mod flame_parts;
#[cfg(all(test, feature = "ssr"))]
mod flame_ssr_tests;
mod flame_view;
mod intake_help;
mod range_picker;
mod search_bar;
mod source_snippet;
mod stacktrace;
mod states;
mod status;
mod suggested_owners;
mod tags;
mod teamwork;
mod time;
mod triage;
mod user_menu;

pub use breakdown::Breakdowns;
pub use chart::{BarChart, Sparkline};
pub use copy_snippet::CopySnippet;
pub use facet_panel::FacetPanel;
pub use fingerprint::FingerprintTree;
pub use flame_axis::format_duration;
pub use flame_graph::FlameGraph;
pub use flame_layout::bounds;
pub use intake_help::GettingStarted;
pub use range_picker::RangePicker;
pub use search_bar::SearchBar;
pub use stacktrace::StackTrace;
pub use states::{ErrorNotice, Loading, server_message, use_hydrated};
pub use status::{StatusBadge, status_label};
pub use suggested_owners::SuggestedOwners;
pub use tags::{MetricsTable, TagTable};
pub use teamwork::{AssigneeControl, CommentForm, IssueRights};
pub use time::{Ago, exact, split_utc};
pub use triage::{ActivityTimeline, StatusControl};
pub use user_menu::UserMenu;
