//! Accounts through the real explorer app (`explorer_app`, every route behind the access layer), on
//! SQLite and a real PostgreSQL (`scripts/with-postgres.sh cargo test -p server --test accounts`):
//! invitations, the last-admin rule, disabled users, API tokens, password changes, the shared setup
//! link, sign-in throttling, the account pages and server functions by role, the audit log, and the
//! stack rules page's server functions.

#[path = "../support/store.rs"]
#[macro_use]
#[allow(dead_code)]
mod store;

mod app;
mod audit;
mod gate;
mod people;
mod stack_rules_page;
mod tokens;

use audit::{
    every_action_is_audited_with_who_and_where, only_admins_read_the_audit_log,
    the_log_pages_and_filters,
};
use gate::{
    any_instances_setup_link_creates_the_admin_once, sign_in_is_throttled_per_account_and_address,
};
use people::{
    a_link_used_twice_at_once_makes_one_account, concurrent_demotions_leave_an_admin,
    disabled_users_lose_sessions_and_tokens, invitations_work_once_and_expire,
    the_last_enabled_admin_stays,
};
use stack_rules_page::the_rules_page_saves_through_the_shared_service;
use store::TestDb;
use tokens::{
    pages_and_server_functions_follow_the_roles, password_changes_end_other_sessions,
    tokens_are_capped_listed_and_revoked,
};

suite!(
    invitations_work_once_and_expire,
    the_last_enabled_admin_stays,
    concurrent_demotions_leave_an_admin,
    a_link_used_twice_at_once_makes_one_account,
    disabled_users_lose_sessions_and_tokens,
    tokens_are_capped_listed_and_revoked,
    password_changes_end_other_sessions,
    any_instances_setup_link_creates_the_admin_once,
    sign_in_is_throttled_per_account_and_address,
    pages_and_server_functions_follow_the_roles,
    every_action_is_audited_with_who_and_where,
    the_log_pages_and_filters,
    only_admins_read_the_audit_log,
    the_rules_page_saves_through_the_shared_service,
);
