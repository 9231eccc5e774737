//! Frames to components: which frames count (in-app, not version dependent, not a repetition of the
//! frames above) and with which values (module or else normalized file, and cleaned function).

use std::borrow::Cow;

use super::in_app::AppCode;
use super::paths::{drop_bundle_hash, normalize_path};
use super::root::ProjectRoot;
use super::rules::{
    HINT_PANIC_MACHINERY, clean_function, clean_symbol, rust_panic_raise, unstable_frame,
};
use super::stack_rules::StackRules;
use super::{Component, GroupingVersion};
use crate::stacktrace::{Frame, Language, Stacktrace};

const HINT_NOT_IN_APP: &str = "not application code";
const HINT_LINE: &str = "line numbers are ignored";
const HINT_MODULE_PREFERRED: &str = "the module is used instead of the file path";
const HINT_NO_IDENTITY: &str = "frame has neither module, file nor function";
const HINT_RECURSION: &str =
    "same code as the frame(s) just above it (recursion, nested anonymous functions): ignored";
const HINT_NO_IN_APP_FRAME: &str = "no in-app frame";
const HINT_PROJECT_ROOT: &str = "paths are relative to the project root";

/// Mutual recursion up to this many frames per cycle (`walk` → `<anonymous>` → `walk` in a
/// JavaScript `forEach`) is collapsed like direct recursion.
const MAX_RECURSION_CYCLE: usize = 3;

/// One frame with its values cleaned and, when it does not count, why.
struct CleanFrame {
    module: Option<String>,
    file: Option<String>,
    function: Option<String>,
    line: Option<String>,
    excluded: Option<Cow<'static, str>>,
    /// Which stack rule made the frame application code, when one did.
    rule: Option<String>,
}

impl CleanFrame {
    fn new(frame: &Frame, context: &Context<'_>) -> Self {
        let Context {
            language,
            version,
            root,
            app,
        } = *context;
        let (in_app, why) = app.judge(frame);
        let mut module = frame
            .module
            .as_deref()
            .and_then(|m| clean_symbol(m, language, version));
        let file = frame
            .file
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|file| match root.relative(file) {
                Some(relative) if in_app => drop_bundle_hash(&relative),
                _ => normalize_path(file),
            });
        let mut function = clean_function(frame.function.as_deref(), language, version);
        if version >= GroupingVersion::V2026_12 && language == Some(Language::Rust) {
            (module, function) = closure_owner(module, function);
        }
        let line = frame.line.map(|line| match frame.column {
            Some(column) => format!("{line}:{column}"),
            None => line.to_string(),
        });
        let (why_not, rule) = if in_app { (None, why) } else { (why, None) };
        let excluded = if !in_app {
            Some(why_not.map_or(Cow::Borrowed(HINT_NOT_IN_APP), Cow::Owned))
        } else if let Some(hint) = unstable_frame(module.as_deref(), function.as_deref(), language)
        {
            Some(Cow::Borrowed(hint))
        } else if module.is_none() && file.is_none() && function.is_none() {
            Some(Cow::Borrowed(HINT_NO_IDENTITY))
        } else {
            None
        };
        Self {
            module,
            file,
            function,
            line,
            rule,
            excluded,
        }
    }

    /// What identifies the frame for grouping; `None` when it does not count.
    fn key(&self) -> Option<(&str, &str)> {
        if self.excluded.is_some() {
            return None;
        }
        let location = self
            .module
            .as_deref()
            .or(self.file.as_deref())
            .unwrap_or_default();
        Some((location, self.function.as_deref().unwrap_or_default()))
    }

    /// The frame's component; with `fold_marks` (2026-12), a frame that is not the service's code or
    /// repeats the frames above is marked `fold`, whatever an override later does to `contributes`.
    fn into_component(self, repeats_above: bool, fold_marks: bool) -> Component {
        let counts = self.excluded.is_none() && !repeats_above;
        let has_module = self.module.is_some();
        let mut children = Vec::new();
        if let Some(module) = self.module {
            children.push(Component::leaf("module", module, counts, None));
        }
        if let Some(file) = self.file {
            let hint = (counts && has_module).then_some(HINT_MODULE_PREFERRED);
            children.push(Component::leaf("file", file, counts && !has_module, hint));
        }
        if let Some(function) = self.function {
            children.push(Component::leaf("function", function, counts, None));
        }
        if let Some(line) = self.line {
            children.push(Component::leaf("line", line, false, Some(HINT_LINE)));
        }
        let hint = self
            .excluded
            .map(Cow::into_owned)
            .or_else(|| repeats_above.then(|| HINT_RECURSION.to_owned()))
            .or(self.rule);
        Component {
            id: "frame".to_owned(),
            contributes: counts,
            hint,
            children,
            fold: fold_marks && !counts,
            ..Component::default()
        }
    }
}

/// A Rust closure belongs to the function that defines it: legacy mangling reads
/// `shop::orders` / `place::{{closure}}` while v0 reads `shop::orders::place` / `{closure#2}`, so the
/// defining function moves from the module into the function name (2026-12).
fn closure_owner(
    mut module: Option<String>,
    mut function: Option<String>,
) -> (Option<String>, Option<String>) {
    while let (Some(path), Some(name)) = (module.as_deref(), function.as_deref()) {
        if !name.starts_with('{') {
            break;
        }
        let Some((parent, owner)) = path.rsplit_once("::") else {
            break;
        };
        function = Some(format!("{owner}::{name}"));
        module = Some(parent.to_owned());
    }
    (module, function)
}

/// What frames are cleaned with: the stack's language, the grouping version, the project root and
/// which frames are the service's code.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub language: Option<Language>,
    pub version: GroupingVersion,
    pub root: &'a ProjectRoot,
    pub app: &'a AppCode<'a>,
}

/// The project root paths are made relative to: none before 2026-12.
pub fn project_root(
    stacktrace: &Stacktrace,
    version: GroupingVersion,
    app: &AppCode<'_>,
) -> ProjectRoot {
    if version < GroupingVersion::V2026_12 {
        return ProjectRoot::default();
    }
    ProjectRoot::find(stacktrace.frames(), |frame| app.judge(frame).0)
}

/// The `stacktrace` component of one exception; it contributes when one of its frames does.
pub fn stacktrace(frames: &[Frame], context: &Context<'_>) -> Component {
    let cleaned = clean_frames(frames, context);
    let repeats = recursion_repeats(&cleaned.iter().map(CleanFrame::key).collect::<Vec<_>>());
    let fold_marks = context.version >= GroupingVersion::V2026_12;
    let children: Vec<Component> = cleaned
        .into_iter()
        .zip(repeats)
        .map(|(frame, repeats)| frame.into_component(repeats, fold_marks))
        .collect();
    let contributes = children.iter().any(|c| c.contributes);
    let hint = if contributes {
        context
            .root
            .describe()
            .map(|root| format!("{HINT_PROJECT_ROOT} {root}, which is left out"))
    } else {
        (!children.is_empty()).then(|| HINT_NO_IN_APP_FRAME.to_owned())
    };
    Component {
        id: "stacktrace".to_owned(),
        contributes,
        hint,
        children,
        ..Component::default()
    }
}

/// The frame users call the culprit, as `location in function`: the innermost frame of the reported
/// exception that counts for grouping (so never a launcher, a panic hook or library code), located by
/// module or by its path below the project root (`app/models/cart.rb in total`). Since 2026-12, when
/// the reported exception is a framework's wrapper without such a frame (Spring's
/// `ServletException`), the first cause that has one names the culprit.
pub fn culprit(
    stacktrace: &Stacktrace,
    version: GroupingVersion,
    rules: &StackRules,
) -> Option<String> {
    let app = AppCode::new(stacktrace, version, rules);
    let root = project_root(stacktrace, version, &app);
    let context = Context {
        language: stacktrace.language,
        version,
        root: &root,
        app: &app,
    };
    let (exception, index, clean) = find_culprit(stacktrace, &context)?;
    let frame = &stacktrace.exceptions[exception].frames[index];
    let place = clean.module.or_else(|| {
        let file = clean.file?;
        let source_dir = frame.file.as_deref().and_then(|f| root.source_dir(f));
        Some(match source_dir {
            Some(dir) => format!("{dir}/{file}"),
            None => file,
        })
    });
    match (place, clean.function) {
        (Some(place), Some(function)) => Some(format!("{place} in {function}")),
        (place, function) => place.or(function),
    }
}

/// Where [`culprit`]'s frame is: (exception index, frame index) in `stacktrace`. Suggested owners
/// match this frame's file.
pub fn culprit_frame(
    stacktrace: &Stacktrace,
    version: GroupingVersion,
    rules: &StackRules,
) -> Option<(usize, usize)> {
    let app = AppCode::new(stacktrace, version, rules);
    let root = project_root(stacktrace, version, &app);
    let context = Context {
        language: stacktrace.language,
        version,
        root: &root,
        app: &app,
    };
    find_culprit(stacktrace, &context).map(|(exception, frame, _)| (exception, frame))
}

/// The innermost counting frame of the reported exception (since 2026-12, of the first exception in
/// the chain that has one), cleaned.
fn find_culprit(
    stacktrace: &Stacktrace,
    context: &Context<'_>,
) -> Option<(usize, usize, CleanFrame)> {
    let searched = if context.version >= GroupingVersion::V2026_12 {
        stacktrace.exceptions.len()
    } else {
        1
    };
    stacktrace
        .exceptions
        .iter()
        .take(searched)
        .enumerate()
        .find_map(|(e, exception)| {
            let cleaned = clean_frames(&exception.frames, context);
            cleaned
                .into_iter()
                .enumerate()
                .rev()
                .find(|(_, clean)| clean.excluded.is_none())
                .map(|(f, clean)| (e, f, clean))
        })
}

/// Each frame cleaned, with why it does not count.
fn clean_frames(frames: &[Frame], context: &Context<'_>) -> Vec<CleanFrame> {
    let mut cleaned: Vec<CleanFrame> = frames
        .iter()
        .map(|frame| CleanFrame::new(frame, context))
        .collect();
    if context.version >= GroupingVersion::V2026_12 && context.language == Some(Language::Rust) {
        exclude_panic_machinery(&mut cleaned);
    }
    cleaned
}

/// Frames inside the panic machinery (closer to where the backtrace was captured than the first frame
/// that raises the panic) are the panic hook's: the service's own hook, `Backtrace::capture`.
fn exclude_panic_machinery(frames: &mut [CleanFrame]) {
    let Some(raise) = frames
        .iter()
        .position(|f| rust_panic_raise(f.module.as_deref(), f.function.as_deref()))
    else {
        return;
    };
    for frame in &mut frames[raise..] {
        if frame.excluded.is_none() {
            frame.excluded = Some(Cow::Borrowed(HINT_PANIC_MACHINERY));
        }
    }
}

/// For each frame, whether it repeats the counting frames just above it: a run of the same cycle of
/// up to `MAX_RECURSION_CYCLE` frames keeps its first occurrence only. Frames that do not count are
/// skipped, so library frames between two recursive calls do not break the run.
fn recursion_repeats(keys: &[Option<(&str, &str)>]) -> Vec<bool> {
    let mut repeats = vec![false; keys.len()];
    // Indices (into `keys`) of the counting frames kept so far.
    let mut kept: Vec<usize> = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        if key.is_none() {
            continue;
        }
        kept.push(index);
        for cycle in 1..=MAX_RECURSION_CYCLE.min(kept.len() / 2) {
            let (earlier, later) = kept[kept.len() - 2 * cycle..].split_at(cycle);
            if earlier.iter().zip(later).all(|(&a, &b)| keys[a] == keys[b]) {
                for &repeated in later {
                    repeats[repeated] = true;
                }
                kept.truncate(kept.len() - cycle);
                break;
            }
        }
    }
    repeats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(frames: &[Frame], language: Language, version: GroupingVersion) -> Component {
        let stack = Stacktrace {
            language: Some(language),
            ..Stacktrace::default()
        };
        let rules = StackRules::default();
        let context = Context {
            language: Some(language),
            version,
            root: &ProjectRoot::default(),
            app: &AppCode::new(&stack, version, &rules),
        };
        stacktrace(frames, &context)
    }

    fn frame(file: &str, function: &str, line: u32, in_app: bool) -> Frame {
        Frame {
            file: Some(file.to_owned()),
            function: Some(function.to_owned()),
            line: Some(line),
            in_app,
            ..Frame::default()
        }
    }

    #[test]
    fn collapses_recursion_cycles() {
        let a = Some(("a.py", "a"));
        let b = Some(("b.py", "b"));
        let c = Some(("c.py", "c"));
        let cases: [(&[Option<(&str, &str)>], &[bool]); 6] = [
            (&[a, a, a, b], &[false, true, true, false]),
            (
                &[a, b, a, b, a, b, c],
                &[false, false, true, true, true, true, false],
            ),
            (&[a, None, a, None, a], &[false, false, true, false, true]),
            (
                &[a, b, c, a, b, c],
                &[false, false, false, true, true, true],
            ),
            (&[a, b, a, c], &[false, false, false, false]),
            (&[], &[]),
        ];
        for (keys, expected) in cases {
            assert_eq!(recursion_repeats(keys), expected, "{keys:?}");
        }
    }

    #[test]
    fn frames_explain_why_they_do_not_count() {
        let frames = [
            frame(
                "/usr/local/lib/python3.12/site-packages/ddtrace/contrib/flask/patch.py",
                "wrapper",
                12,
                false,
            ),
            frame("/srv/app/releases/41/app/views.py", "get_order", 30, true),
            frame("/srv/app/releases/41/app/views.py", "<listcomp>", 31, true),
            frame("/srv/app/releases/41/app/tree.py", "walk", 5, true),
            frame("/srv/app/releases/41/app/tree.py", "walk", 5, true),
        ];
        let tree = tree(&frames, Language::Python, GroupingVersion::V2026_11);
        let hints: Vec<_> = tree
            .children
            .iter()
            .map(|f| (f.contributes, f.hint.as_deref()))
            .collect();
        assert_eq!(
            hints,
            [
                (false, Some(HINT_NOT_IN_APP)),
                (true, None),
                (
                    false,
                    Some(crate::grouping::rules::HINT_PYTHON_COMPREHENSION)
                ),
                (true, None),
                (false, Some(HINT_RECURSION)),
            ]
        );
        let line = &tree.children[1].children[2];
        assert_eq!(
            (line.id.as_str(), line.contributes, line.hint.as_deref()),
            ("line", false, Some(HINT_LINE))
        );
        assert!(tree.contributes);
    }

    #[test]
    fn module_wins_over_file() {
        let frame = Frame {
            module: Some("com.acme.orders.OrderService$$SpringCGLIB$$0".to_owned()),
            file: Some("<generated>".to_owned()),
            function: Some("placeOrder".to_owned()),
            in_app: true,
            ..Frame::default()
        };
        let tree = tree(&[frame], Language::Java, GroupingVersion::V2026_11);
        let values: Vec<_> = tree.children[0]
            .children
            .iter()
            .map(|c| (c.id.as_str(), c.values.join(""), c.contributes))
            .collect();
        assert_eq!(
            values,
            [
                (
                    "module",
                    "com.acme.orders.OrderService$$SpringCGLIB".to_owned(),
                    true
                ),
                ("file", "<generated>".to_owned(), false),
                ("function", "placeOrder".to_owned(), true),
            ]
        );
    }

    #[test]
    fn no_in_app_frame_is_said() {
        let tree = tree(
            &[frame("node:internal/timers", "listOnTimeout", 569, false)],
            Language::JavaScript,
            GroupingVersion::V2026_12,
        );
        assert!(!tree.contributes);
        assert_eq!(tree.hint.as_deref(), Some(HINT_NO_IN_APP_FRAME));
    }
}
