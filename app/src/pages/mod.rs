//! One file per route.

mod invite;
mod issue_detail;
mod issue_event;
mod issue_list;
mod issue_rows;
mod not_found;
mod profile;
mod settings;
mod settings_audit;
mod settings_index;
mod settings_intake;
mod settings_mapping_form;
mod settings_repository_form;
mod settings_stack_rules;
mod settings_tokens;
mod settings_users;
mod setup;
mod signin;
mod trace;

pub use invite::InvitePage;
pub use issue_detail::IssueDetailPage;
pub use issue_list::IssueListPage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use settings::SourceSettingsPage;
pub use settings_audit::AuditSettingsPage;
pub use settings_index::SettingsIndexPage;
pub use settings_intake::IntakeSettingsPage;
pub use settings_stack_rules::StackRulesSettingsPage;
pub use settings_tokens::TokensSettingsPage;
pub use settings_users::UsersSettingsPage;
pub use setup::SetupPage;
pub use signin::SignInPage;
pub use trace::TracePage;
