//! The fingerprint of every fixture under `fixtures/stacktraces/`, snapshotted as YAML: the fixture is
//! parsed with its file-name prefix as the language hint (`java-spring-cglib.txt` as Java) and grouped
//! with the type and message of its first exception, as the tracer would have reported them. The hash
//! is part of the snapshot: a shipped grouping version must never change it.

use domain::grouping::{GroupingInput, fingerprint};
use domain::stacktrace::{Language, parse};

#[test]
fn fixtures_fingerprint_like_their_snapshots() {
    insta::glob!("fixtures/stacktraces/*.txt", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let stacktrace = parse(&text, hint(path));
        let reported = stacktrace.exceptions.first();
        let input = GroupingInput {
            service: "shop-api",
            error_type: reported
                .and_then(|e| e.error_type.as_deref())
                .unwrap_or_default(),
            message: reported
                .and_then(|e| e.message.as_deref())
                .unwrap_or_default(),
            stacktrace: &stacktrace,
            fingerprint_override: None,
        };
        insta::assert_yaml_snapshot!(fingerprint(&input));
    });
}

fn hint(path: &std::path::Path) -> Option<Language> {
    let name = path.file_name()?.to_str()?;
    Language::from_tracer_lang(name.split('-').next()?)
}
