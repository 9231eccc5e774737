use super::*;

/// GitHub's documented example file ("About code owners", example of a CODEOWNERS file), with its
/// two `/apps/` sections split into two files since together the second overrides the first.
const GITHUB_EXAMPLE: &str = r#"# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well. Teams should
# be identified in the format @org/team-name. Teams must have
# explicit write access to the repository. In this example,
# the octocats team in the octo-org organization owns all .txt files.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The `docs/*` pattern will match files like
# `docs/getting-started.md` but not further nested files like
# `docs/build-app/troubleshooting.md`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the `/docs`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the `/scripts` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a `/logs` directory such as
# `/build/logs`, `/scripts/logs`, and `/deeply/nested/logs`. Any changes
# in a `/logs` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the `/apps`
# directory in the root of your repository except for the `/apps/github`
# subdirectory, as its owners are left empty.
/apps/ @octocat
/apps/github
"#;

fn owners(file: &CodeOwners, path: &str) -> Vec<String> {
    file.owners_of(path).to_vec()
}

#[test]
fn githubs_documented_example() {
    let (file, errors) = CodeOwners::parse(GITHUB_EXAMPLE);
    assert_eq!(errors, []);
    let cases: &[(&str, &[&str])] = &[
        // Everything defaults to the global owners.
        ("README.md", &["@global-owner1", "@global-owner2"]),
        ("src/lib/util.rb", &["@global-owner1", "@global-owner2"]),
        // Extensions at any depth; the inline comment is not an owner.
        ("web/app.js", &["@js-owner"]),
        ("cmd/main.go", &["docs@example.com"]),
        ("notes/todo.txt", &["@octo-org/octocats"]),
        // Anchored directory, everything below it, but not elsewhere.
        ("build/logs/today/out.log", &["@octocat"]),
        ("build/logs/x.md", &["@octocat"]),
        // `/docs/` comes after `docs/*`, so it decides both nested and direct files.
        ("docs/getting-started.md", &["@doctocat"]),
        ("docs/build-app/troubleshooting.md", &["@doctocat"]),
        ("/scripts/deploy.sh", &["@doctocat", "@octocat"]),
        // `**/logs` at any depth, the file itself and below (later than `/build/logs/`).
        ("deeply/nested/logs/a.md", &["@octocat"]),
        ("scripts/logs/run.md", &["@octocat"]),
        // `apps/` anywhere, and the ownerless `/apps/github` last.
        ("services/apps/main.md", &["@octocat"]),
        ("apps/web/main.md", &["@octocat"]),
        ("apps/github/main.md", &[]),
        ("apps/githubber/main.md", &["@octocat"]),
    ];
    for (path, expected) in cases {
        assert_eq!(owners(&file, path), *expected, "{path}");
    }
    let rule = file.rule_for("apps/github/x.md").expect("a rule decides");
    assert_eq!((rule.line, rule.pattern.as_str()), (59, "/apps/github"));
}

#[test]
fn patterns() {
    // (pattern, path, matches)
    let cases = [
        // `docs/*`: direct files only (GitHub's example).
        ("docs/*", "docs/getting-started.md", true),
        ("docs/*", "docs/build-app/troubleshooting.md", false),
        ("docs/*", "other/docs/x.md", false),
        ("/*", "README.md", true),
        ("/*", "src/main.rs", false),
        ("*", "a/b/c.rs", true),
        // A bare name matches a file or directory of that name at any depth.
        ("payments", "src/payments/charge.py", true),
        ("payments", "src/payments.py", false),
        ("charge.py", "src/payments/charge.py", true),
        // Anchored without a trailing slash: the file or the directory.
        ("/src/payments", "src/payments/charge.py", true),
        ("/src/payments", "lib/src/payments/charge.py", false),
        ("src/payments", "src/payments/charge.py", true),
        ("src/payments", "lib/src/payments/charge.py", false),
        // A trailing slash: only inside a directory.
        ("logs/", "logs", false),
        ("logs/", "a/logs/b", true),
        // `*` and `?` stay within a segment.
        ("src/*.py", "src/app.py", true),
        ("src/*.py", "src/pkg/app.py", false),
        ("src/app?.py", "src/app1.py", true),
        ("src/app?.py", "src/app/.py", false),
        // `**` spans segments.
        ("src/**/test_*.py", "src/test_a.py", true),
        ("src/**/test_*.py", "src/a/b/test_a.py", true),
        ("src/**", "src/a/b.py", true),
        ("src/**", "lib/src/a.py", false),
        ("**/models/*.rb", "app/models/cart.rb", true),
        ("**", "anything/at/all", true),
        // Case-sensitive, and regex characters are literal.
        ("/Docs/", "docs/a.md", false),
        ("*.c++", "src/x.c++", true),
        ("a.b", "axb", false),
    ];
    for (pattern, path, matches) in cases {
        let (file, errors) = CodeOwners::parse(&format!("{pattern} @o"));
        assert_eq!(errors, [], "{pattern}");
        assert_eq!(file.rule_for(path).is_some(), matches, "{pattern} ~ {path}");
    }
}

#[test]
fn the_last_matching_rule_wins() {
    let (file, _) = CodeOwners::parse("*.py @python\n/src/payments/ @acme/payments\n*.py @late\n");
    assert_eq!(owners(&file, "src/payments/charge.py"), ["@late"]);
    assert_eq!(owners(&file, "src/payments/schema.sql"), ["@acme/payments"]);
    assert_eq!(owners(&file, "schema.sql"), Vec::<String>::new());
    assert!(file.rule_for("schema.sql").is_none());
}

#[test]
fn lines_github_skips() {
    let text = "\
* @all
!vendor/ @nobody
src/[ab].py @ranges
\\#notes @escaped
src/ not-an-owner
src/ @acme/
/ @root
*.rs @rust";
    let (file, errors) = CodeOwners::parse(text);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
    assert!(
        errors[0].to_string().starts_with("line 2: `!`"),
        "{}",
        errors[0]
    );
    // Skipped lines change nothing; the valid ones around them still apply.
    assert_eq!(owners(&file, "vendor/x.go"), ["@all"]);
    assert_eq!(owners(&file, "src/main.rs"), ["@rust"]);
}

#[test]
fn comments_and_blank_lines() {
    let (file, errors) = CodeOwners::parse("\n   \n# a comment\n  # indented\n*.md @docs # why\n");
    assert_eq!(errors, []);
    assert_eq!(owners(&file, "README.md"), ["@docs"]);
}
