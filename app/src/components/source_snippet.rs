//! The code under an in-app frame: the lines around the frame's line at the event's commit, highlighted,
//! the frame's line marked, where the path came from and a link to GitHub; or, when there is no code,
//! a short note saying why. Also the banner above a stack trace (no commit, no repository).

use domain::source::highlight::{TokenKind, highlight_lines};
use domain::source::{
    EventSource, FrameSourceResult, Language, MappingUsed, RepositoryRef, Snippet, SourceNote,
};
use leptos::prelude::*;

use super::time::split_utc;

/// What the notes of one event's frames refer to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceContext {
    /// `owner/name`.
    pub repository: Option<String>,
    /// The short commit, or the branch read instead.
    pub revision: Option<String>,
    /// Whether modules are classes (Java, .NET): "from class com.acme.Cart".
    pub classes: bool,
}

impl SourceContext {
    pub fn new(source: &EventSource, classes: bool) -> Self {
        Self {
            repository: source.repository.as_ref().map(repo_name),
            revision: source
                .commit
                .as_deref()
                .map(short_commit)
                .or_else(|| source.branch.clone()),
            classes,
        }
    }
}

pub const SETTINGS_HREF: &str = "/settings/source";

fn repo_name(repository: &RepositoryRef) -> String {
    format!("{}/{}", repository.owner, repository.name)
}

/// The first 7 characters of a commit, as GitHub shows them.
pub fn short_commit(commit: &str) -> String {
    commit.chars().take(7).collect()
}

/// The frame's source: a snippet or a note.
#[component]
pub fn FrameSource(result: FrameSourceResult, context: SourceContext) -> impl IntoView {
    match result {
        FrameSourceResult::Snippet(snippet) => {
            view! { <SourceSnippet snippet classes=context.classes /> }.into_any()
        }
        FrameSourceResult::Note(note) => view! { <SourceNoteView note context /> }.into_any(),
    }
}

#[component]
fn SourceSnippet(snippet: Snippet, classes: bool) -> impl IntoView {
    let Snippet {
        path,
        mapping,
        first_line,
        lines,
        line,
        url,
        language,
    } = snippet;
    let label = mapping_label(&mapping, classes);
    let width = (first_line as usize + lines.len()).to_string().len();
    let language = language.or_else(|| Language::from_path(&path));
    let rows = highlight(&lines, language)
        .into_iter()
        .enumerate()
        .map(|(i, tokens)| {
            let number = first_line + i as u32;
            let marked = number == line;
            let tokens = tokens
                .into_iter()
                .map(|(class, text)| match class {
                    Some(class) => view! { <span class=class>{text}</span> }.into_any(),
                    None => text.into_any(),
                })
                .collect_view();
            view! {
                <span
                    class="snippet-line"
                    class:marked=marked
                    aria-current=marked.then_some("true")
                    title=marked.then_some("The frame's line")
                >
                    <span class="line-number" aria-hidden="true">
                        {format!("{number:>width$}")}
                    </span>
                    <span class="line-code">{tokens}</span>
                    {marked.then(|| view! { <span class="visually-hidden">" (the frame's line)"</span> })}
                    "\n"
                </span>
            }
        })
        .collect_view();
    view! {
        <figure class="source-snippet">
            <figcaption class="snippet-head">
                <code class="snippet-path">{format!("{path}:{line}")}</code>
                <span class="snippet-mapping">{label}</span>
                <a class="view-on-github" href=url target="_blank" rel="noopener noreferrer">
                    "View on GitHub"
                </a>
            </figcaption>
            <pre class="snippet-code" tabindex="0" aria-label=format!("Code of {path} around line {line}")>
                <code>{rows}</code>
            </pre>
        </figure>
    }
}

/// How the frame's path became a repository path, for people.
pub fn mapping_label(mapping: &MappingUsed, classes: bool) -> String {
    fn root(path: &str) -> &str {
        if path.is_empty() {
            "(repository root)"
        } else {
            path
        }
    }
    match mapping {
        MappingUsed::Manual {
            id,
            stack_root,
            source_root,
        } => format!("manual mapping #{id}: {stack_root} → {}", root(source_root)),
        MappingUsed::Suffix {
            stack_root,
            source_root,
        } if stack_root.is_empty() && source_root.is_empty() => {
            "same path in the repository".to_owned()
        }
        MappingUsed::Suffix {
            stack_root,
            source_root,
        } => format!("mapped by suffix {stack_root} → {}", root(source_root)),
        MappingUsed::Module { module } => {
            let kind = if classes { "class" } else { "module" };
            format!("from {kind} {module}")
        }
    }
}

/// Per-line `(class, text)` tokens; `None` is plain text.
fn highlight(
    lines: &[String],
    language: Option<Language>,
) -> Vec<Vec<(Option<&'static str>, String)>> {
    let Some(language) = language else {
        return lines.iter().map(|l| vec![(None, l.clone())]).collect();
    };
    highlight_lines(language, lines)
        .into_iter()
        .map(|tokens| {
            tokens
                .into_iter()
                .map(|(kind, text)| ((kind != TokenKind::Plain).then(|| kind.class()), text))
                .collect()
        })
        .collect()
}

#[component]
fn SourceNoteView(note: SourceNote, context: SourceContext) -> impl IntoView {
    let kind = note_kind(&note);
    let settings = note_links_settings(&note).then(|| {
        view! {
            " "
            <a href=SETTINGS_HREF>"Settings → Source code"</a>
        }
    });
    view! {
        <p class=format!("source-note note-{kind}") role="note">
            {note_text(&note, &context)}
            {settings}
        </p>
    }
}

fn note_kind(note: &SourceNote) -> &'static str {
    match note {
        SourceNote::NoRepository => "no-repository",
        SourceNote::NotMapped { .. } => "not-mapped",
        SourceNote::FileMissing { .. } => "file-missing",
        SourceNote::LineOutOfRange { .. } => "line-out-of-range",
        SourceNote::NotText { .. } => "not-text",
        SourceNote::BadCredentials => "bad-credentials",
        SourceNote::NoAccess => "no-access",
        SourceNote::RateLimited { .. } => "rate-limited",
        SourceNote::Unavailable { .. } => "unavailable",
    }
}

/// Whether the fix is on the settings page.
fn note_links_settings(note: &SourceNote) -> bool {
    matches!(
        note,
        SourceNote::NoRepository
            | SourceNote::NotMapped { .. }
            | SourceNote::BadCredentials
            | SourceNote::NoAccess
    )
}

/// One sentence per note, naming the repository and revision when known.
pub fn note_text(note: &SourceNote, context: &SourceContext) -> String {
    let repo = context.repository.as_deref().unwrap_or("the repository");
    let at = context
        .revision
        .as_deref()
        .map(|r| format!(" at {r}"))
        .unwrap_or_default();
    match note {
        SourceNote::NoRepository => {
            "No repository is linked for this service: link one in".to_owned()
        }
        SourceNote::NotMapped { path } => {
            format!("No code mapping or file in {repo} matches {path}: add a mapping in")
        }
        SourceNote::FileMissing { path } => format!("File not found{at} in {repo}: {path}"),
        SourceNote::LineOutOfRange { path, lines } => format!(
            "{path} has only {lines} lines{at} in {repo}: the code changed or the mapping is wrong"
        ),
        SourceNote::NotText { path } => format!("{path} is binary or too large to show"),
        SourceNote::BadCredentials => {
            format!("The credentials for {repo} were rejected by GitHub: check")
        }
        SourceNote::NoAccess => format!(
            "No access to {repo}: it is private or the credentials lack access to it; check"
        ),
        SourceNote::RateLimited { until } => {
            let (_, (h, m, _)) = split_utc(*until);
            format!("GitHub rate limit reached; retry after {h:02}:{m:02} UTC")
        }
        SourceNote::Unavailable { reason } if reason.trim().is_empty() => {
            "GitHub could not be reached".to_owned()
        }
        SourceNote::Unavailable { reason } => format!("GitHub could not be reached: {reason}"),
    }
}

/// Above the stack trace: where the code comes from, the warning that a branch may have changed since
/// the event, a hint to link a repository, or why no code could be loaded at all.
#[component]
pub fn SourceBanner(source: EventSource) -> impl IntoView {
    let from = source.repository.as_ref().map(|repo| {
        let revision = match (&source.commit, &source.branch) {
            (Some(commit), _) => Some(
                view! { " at " <code title=commit.clone()>{short_commit(commit)}</code> }
                    .into_any(),
            ),
            (None, Some(branch)) => Some(view! { " on " <code>{branch.clone()}</code> }.into_any()),
            (None, None) => None,
        };
        view! {
            <p class="source-from muted">
                "Code from " <a href=repo.html_url.clone()>{repo_name(repo)}</a> {revision}
            </p>
        }
    });
    let branch = source
        .commit
        .is_none()
        .then_some(source.branch.as_ref())
        .flatten()
        .map(|branch| {
            view! {
                <p class="source-banner warning" role="note">
                    <strong>"No commit on this event: "</strong>
                    "showing " <code>{branch.clone()}</code> ", which may have changed since."
                </p>
            }
        });
    let hint = match &source.note {
        Some(SourceNote::NoRepository) => Some(
            view! {
                <p class="source-banner hint" role="note">
                    "See the code of in-app frames here: link this service's GitHub repository in "
                    <a href=SETTINGS_HREF>"Settings → Source code"</a> "."
                </p>
            }
            .into_any(),
        ),
        Some(note) => {
            let context = SourceContext::new(&source, false);
            Some(view! { <SourceNoteView note=note.clone() context /> }.into_any())
        }
        None => None,
    };
    view! { {from} {branch} {hint} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_labels_say_which_rule_applied() {
        let suffix = |stack: &str, source: &str| MappingUsed::Suffix {
            stack_root: stack.to_owned(),
            source_root: source.to_owned(),
        };
        let cases = [
            (
                suffix("/srv/app/", "apps/"),
                false,
                "mapped by suffix /srv/app/ → apps/",
            ),
            (
                suffix("/srv/app/", ""),
                false,
                "mapped by suffix /srv/app/ → (repository root)",
            ),
            (suffix("", ""), false, "same path in the repository"),
            (
                MappingUsed::Manual {
                    id: 3,
                    stack_root: "/srv/app".to_owned(),
                    source_root: "apps".to_owned(),
                },
                false,
                "manual mapping #3: /srv/app → apps",
            ),
            (
                MappingUsed::Module {
                    module: "com.acme.Cart".to_owned(),
                },
                true,
                "from class com.acme.Cart",
            ),
            (
                MappingUsed::Module {
                    module: "shop.cart".to_owned(),
                },
                false,
                "from module shop.cart",
            ),
        ];
        for (mapping, classes, want) in cases {
            assert_eq!(mapping_label(&mapping, classes), want);
        }
    }

    #[test]
    fn notes_name_the_repository_and_revision_when_known() {
        let known = SourceContext {
            repository: Some("acme/shop".to_owned()),
            revision: Some("abc1234".to_owned()),
            classes: false,
        };
        let missing = SourceNote::FileMissing {
            path: "app.py".to_owned(),
        };
        assert_eq!(
            note_text(&missing, &known),
            "File not found at abc1234 in acme/shop: app.py"
        );
        assert_eq!(
            note_text(&missing, &SourceContext::default()),
            "File not found in the repository: app.py"
        );
        let down = SourceNote::Unavailable {
            reason: " ".to_owned(),
        };
        assert_eq!(note_text(&down, &known), "GitHub could not be reached");
        assert_eq!(short_commit("abc1234def"), "abc1234");
    }
}
