//! The admins' audit log and stack rules pages as the server renders them, over a fake backend.

use std::collections::BTreeMap;

use domain::access::{ManagedUser, Role};
use domain::audit::{AuditAction, AuditActor, AuditEntry, AuditPage, AuditQuery};
use domain::explorer::StackRulesVersion;

use super::*;

#[derive(Default)]
struct AdminFake {
    audit_calls: Mutex<Vec<AuditQuery>>,
    history_calls: Mutex<Vec<String>>,
}

fn rules(service: &str, version: i64, text: &str) -> StackRulesVersion {
    StackRulesVersion {
        service: service.to_owned(),
        version,
        rules: text.to_owned(),
        created_at: hours_ago(2),
        actor: Some("ada@example.test".to_owned()),
    }
}

impl ExplorerBackend for AdminFake {
    fn list_issues(&self, _: IssueQuery) -> BackendFuture<'_, IssuePage> {
        Box::pin(async {
            Ok(IssuePage {
                issues: Vec::new(),
                total: 0,
            })
        })
    }

    fn issue(&self, _: i64) -> BackendFuture<'_, Option<IssueDetail>> {
        Box::pin(async { Ok(None) })
    }

    fn users(&self) -> BackendFuture<'_, Vec<ManagedUser>> {
        let ada = ManagedUser {
            id: 1,
            email: "ada@example.test".to_owned(),
            display_name: "Ada".to_owned(),
            role: Role::Admin,
            disabled: false,
            created_at: hours_ago(9),
        };
        Box::pin(async move { Ok(vec![ada]) })
    }

    fn audit_log(&self, query: AuditQuery) -> BackendFuture<'_, AuditPage> {
        self.audit_calls.lock().expect("lock").push(query);
        let entry = AuditEntry {
            id: 41,
            at: 1_764_000_000_000,
            actor: AuditActor::Token {
                user_id: 1,
                email: "ada@example.test".to_owned(),
                name: "ci".to_owned(),
            },
            action: AuditAction::UserRoleChanged,
            detail: BTreeMap::from([("role".to_owned(), "member -> viewer".to_owned())]),
            ip: Some("203.0.113.9".to_owned()),
            user_agent: Some("curl/8.5".to_owned()),
        };
        Box::pin(async move {
            Ok(AuditPage {
                entries: vec![entry],
                next_before: Some(41),
            })
        })
    }

    fn stack_rules(&self) -> BackendFuture<'_, Vec<StackRulesVersion>> {
        Box::pin(async { Ok(vec![rules("checkout", 3, "path:**/vendor/** -app")]) })
    }

    fn stack_rules_history(&self, service: String) -> BackendFuture<'_, Vec<StackRulesVersion>> {
        self.history_calls
            .lock()
            .expect("lock")
            .push(service.clone());
        let versions = match service.as_str() {
            "checkout" => vec![
                rules("checkout", 3, "path:**/vendor/** -app"),
                rules("checkout", 2, "module:com.acme.* +app"),
            ],
            _ => Vec::new(),
        };
        Box::pin(async move { Ok(versions) })
    }
}

async fn admin_get(fake: Arc<AdminFake>, uri: &str) -> (StatusCode, String) {
    let backend = Backend(fake);
    let router = app_router(move || provide_context(backend.clone()));
    let answer = respond(
        router,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await;
    (answer.status, answer.body)
}

#[tokio::test]
async fn the_audit_log_lists_entries_with_filters_and_an_older_page() {
    let fake = Arc::new(AdminFake::default());
    let (status, html) = admin_get(
        fake.clone(),
        "/settings/audit?user=1&action=user_role_changed",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>Audit log · Stackprint</title>",
            "ada@example.test (token ci)",
            "<code>user_role_changed</code>",
            "role: member -&gt; viewer",
            "203.0.113.9 · curl/8.5",
            "2025-11-24 16:00:00 UTC",
            r#"<option value="1" selected>ada@example.test</option>"#,
            r#"<option value="user_role_changed" selected>user_role_changed</option>"#,
            r#"href="/settings/audit?user=1&amp;action=user_role_changed&amp;before=41""#,
        ],
    );
    let asked = fake.audit_calls.lock().expect("lock").clone();
    assert_eq!(
        asked,
        [AuditQuery {
            before: None,
            limit: None,
            user: Some(1),
            action: Some(AuditAction::UserRoleChanged),
        }]
    );
}

#[tokio::test]
async fn the_stack_rules_page_lists_services_and_edits_one() {
    let fake = Arc::new(AdminFake::default());
    let (status, html) = admin_get(fake.clone(), "/settings/stack-rules").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>Stack rules · Stackprint</title>",
            r#"<a href="/settings/stack-rules?service=checkout">checkout</a>"#,
            "version 3",
        ],
    );
    assert!(
        !html.contains("textarea"),
        "no editor before a service is chosen"
    );

    let (status, html) = admin_get(fake.clone(), "/settings/stack-rules?service=checkout").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "Rules of checkout",
            "Editing version 3.",
            "path:**/vendor/** -app</textarea>",
            "Preview",
            "Save",
            "<summary>Syntax</summary>",
            "type:DeadlockDetected",
        ],
    );
    let (_, html) = admin_get(fake.clone(), "/settings/stack-rules?service=billing").await;
    assert_contains(&html, &["Rules of billing", "No rules saved yet."]);
    assert_eq!(
        *fake.history_calls.lock().expect("lock"),
        ["checkout", "billing"]
    );
}
