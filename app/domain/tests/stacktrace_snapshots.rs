//! Every fixture under `fixtures/stacktraces/` parsed with its file-name prefix as the language hint
//! (`python-flask-ddtrace.txt` is parsed as Python), snapshotted as YAML.

mod common;

use common::fixture_hint;
use domain::stacktrace::parse;

#[test]
fn parsed() {
    insta::glob!("fixtures/stacktraces/*.txt", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let parsed = parse(&text, fixture_hint(path));
        assert!(!parsed.raw, "{} did not parse", path.display());
        insta::assert_yaml_snapshot!(parsed);
    });
}

/// Detection alone (no tracer language) reads each fixture exactly as the hinted parser does.
#[test]
fn fixtures_detected_without_hint() {
    insta::glob!("fixtures/stacktraces/*.txt", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        assert_eq!(
            parse(&text, None),
            parse(&text, fixture_hint(path)),
            "{}",
            path.display()
        );
    });
}
