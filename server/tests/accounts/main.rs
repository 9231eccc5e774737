//! Accounts through the real explorer app (`explorer_app`, every route behind the access layer), on
//! SQLite and a real PostgreSQL (`scripts/with-postgres.sh cargo test -p server --test accounts`):
//! invitations, the last-admin rule, disabled users, API tokens, password changes, the shared setup
//! link, sign-in throttling, the account pages and server functions by role, the audit log, the
//! stack rules page's server functions, intake tokens and sign-in by a trusted proxy's header, and
//! OpenID Connect against a fake provider on loopback.

#[path = "../support/store.rs"]
#[macro_use]
#[allow(dead_code)]
mod store;

#[path = "../support/client.rs"]
#[allow(dead_code)]
mod client;
#[path = "../support/fake_oidc.rs"]
mod fake_oidc;

mod app;
mod audit;
mod gate;
mod intake;
mod oidc;
mod people;
mod proxy;
mod stack_rules_page;
mod tokens;

use audit::{
    every_action_is_audited_with_who_and_where, only_admins_read_the_audit_log,
    the_log_pages_and_filters,
};
use gate::{
    any_instances_setup_link_creates_the_admin_once, sign_in_is_throttled_per_account_and_address,
};
use intake::intake_tokens_are_made_by_admins_verified_and_revoked;
use oidc::{
    single_sign_on_links_verified_emails, single_sign_on_refuses_forged_and_replayed_callbacks,
};
use people::{
    a_link_used_twice_at_once_makes_one_account, concurrent_demotions_leave_an_admin,
    disabled_users_lose_sessions_and_tokens, invitations_work_once_and_expire,
    the_last_enabled_admin_stays,
};
use proxy::{a_trusted_proxy_may_create_users, a_trusted_proxy_signs_in_existing_users};
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
    intake_tokens_are_made_by_admins_verified_and_revoked,
    a_trusted_proxy_signs_in_existing_users,
    a_trusted_proxy_may_create_users,
    single_sign_on_links_verified_emails,
    single_sign_on_refuses_forged_and_replayed_callbacks,
    every_action_is_audited_with_who_and_where,
    the_log_pages_and_filters,
    only_admins_read_the_audit_log,
    the_rules_page_saves_through_the_shared_service,
);
