//! The fingerprint of every fixture under `fixtures/stacktraces/`, snapshotted as YAML: the fixture is
//! parsed with its file-name prefix as the language hint (`java-spring-cglib.txt` as Java) and grouped
//! with the type and message of its first exception, as the tracer would have reported them. The hash
//! is part of the snapshot: a shipped grouping version must never change it.

mod common;

use common::{SERVICE, fixture_hint, reported};
use domain::grouping::fingerprint;
use domain::stacktrace::parse;

#[test]
fn fixtures_fingerprint_like_their_snapshots() {
    insta::glob!("fixtures/stacktraces/*.txt", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let stacktrace = parse(&text, fixture_hint(path));
        // `input` and the expression below are named in every snapshot's header.
        let input = reported(SERVICE, &stacktrace, None);
        insta::assert_yaml_snapshot!(fingerprint(&input));
    });
}
