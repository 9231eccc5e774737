//! The fingerprint of every fixture under `fixtures/stacktraces/`, snapshotted as YAML for each shipped
//! grouping version: the fixture is parsed with its file-name prefix as the language hint
//! (`java-spring-cglib.txt` as Java) and grouped with the type and message of its first exception, as the
//! tracer would have reported them. The hash is part of the snapshot: a shipped grouping version must
//! never change it.

mod common;

use common::{SERVICE, fixture_hint, reported};
use domain::grouping::{GroupingVersion, culprit, fingerprint_as};
use domain::stacktrace::parse;

/// Version 2026-11, frozen: these snapshots must never change.
#[test]
fn fixtures_fingerprint_like_their_snapshots() {
    insta::glob!("fixtures/stacktraces/*.txt", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let stacktrace = parse(&text, fixture_hint(path));
        let input = reported(SERVICE, &stacktrace, None);
        insta::assert_yaml_snapshot!(fingerprint_as(GroupingVersion::V2026_11, &input));
    });
}

/// Version 2026-12, with the culprit the explorer shows.
#[test]
fn fixtures_fingerprint_2026_12() {
    insta::glob!("fixtures/stacktraces/*.txt", |path| {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let stacktrace = parse(&text, fixture_hint(path));
        let input = reported(SERVICE, &stacktrace, None);
        let version = GroupingVersion::V2026_12;
        insta::assert_yaml_snapshot!((
            culprit(&stacktrace, version),
            fingerprint_as(version, &input)
        ));
    });
}
