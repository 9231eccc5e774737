//! A parsed stack trace: each exception of the chain, in-app frames shown and runs of library frames
//! folded, with the text as reported behind a toggle. `<details>` does the folding, so it works before
//! (and without) hydration.

use domain::stacktrace::{Exception, Frame, Stacktrace};
use leptos::prelude::*;

/// `raw` is the stack as the tracer reported it (`error.stack`).
#[component]
pub fn StackTrace(stacktrace: Stacktrace, raw: String) -> impl IntoView {
    if raw.trim().is_empty() && stacktrace.exceptions.is_empty() {
        return view! { <p class="muted">"No stack trace was reported."</p> }.into_any();
    }
    if stacktrace.raw || stacktrace.exceptions.is_empty() {
        return view! { <pre class="raw-stack">{raw}</pre> }.into_any();
    }
    let exceptions = stacktrace
        .exceptions
        .into_iter()
        .enumerate()
        .map(|(index, exception)| view! { <ExceptionView exception cause={index > 0} /> })
        .collect_view();
    view! {
        <div class="stacktrace">
            <p class="muted">"Most recent call last."</p>
            {exceptions}
            <details class="raw-toggle">
                <summary>"Raw stack trace"</summary>
                <pre class="raw-stack">{raw}</pre>
            </details>
        </div>
    }
    .into_any()
}

#[component]
fn ExceptionView(exception: Exception, cause: bool) -> impl IntoView {
    let Exception {
        error_type,
        message,
        frames,
    } = exception;
    let fold = frames.iter().any(|f| f.in_app);
    let groups = group_frames(frames, fold)
        .into_iter()
        .map(|group| match group {
            FrameGroup::Shown(frame) => view! { <FrameView frame /> }.into_any(),
            FrameGroup::Folded(frames) => {
                let label = match frames.len() {
                    1 => "1 library frame".to_owned(),
                    n => format!("{n} library frames"),
                };
                view! {
                    <li class="library-frames">
                        <details>
                            <summary>{label}</summary>
                            <ol class="frames">
                                {frames.into_iter().map(|frame| view! { <FrameView frame /> }).collect_view()}
                            </ol>
                        </details>
                    </li>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <section class="exception">
            <h3>
                {cause.then_some(view! { <span class="caused-by">"Caused by "</span> })}
                <span class="error-type">{error_type.unwrap_or_else(|| "Error".to_owned())}</span>
                {message.map(|m| view! { <span class="message">": " {m}</span> })}
            </h3>
            <ol class="frames">{groups}</ol>
        </section>
    }
}

#[component]
fn FrameView(frame: Frame) -> impl IntoView {
    let location = frame_location(&frame);
    let Frame {
        module,
        function,
        in_app,
        ..
    } = frame;
    view! {
        <li class="frame" class:in-app=in_app>
            <code class="function">{function.unwrap_or_else(|| "<unknown>".to_owned())}</code>
            {location.map(|l| view! { <span class="location">" in " <code>{l}</code></span> })}
            {module.map(|m| view! { <span class="module">" (" <code>{m}</code> ")"</span> })}
        </li>
    }
}

enum FrameGroup {
    Shown(Frame),
    Folded(Vec<Frame>),
}

/// With `fold`, consecutive library frames become one folded group; without (a trace with no in-app
/// frame at all), every frame is shown.
fn group_frames(frames: Vec<Frame>, fold: bool) -> Vec<FrameGroup> {
    let mut groups = Vec::new();
    for frame in frames {
        if !fold || frame.in_app {
            groups.push(FrameGroup::Shown(frame));
        } else if let Some(FrameGroup::Folded(run)) = groups.last_mut() {
            run.push(frame);
        } else {
            groups.push(FrameGroup::Folded(vec![frame]));
        }
    }
    groups
}

/// `file:line:column`, as much of it as is known.
fn frame_location(frame: &Frame) -> Option<String> {
    let file = frame.file.as_deref()?;
    Some(match (frame.line, frame.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str, in_app: bool) -> Frame {
        Frame {
            function: Some(function.to_owned()),
            in_app,
            ..Frame::default()
        }
    }

    fn shape(groups: &[FrameGroup]) -> Vec<String> {
        groups
            .iter()
            .map(|g| match g {
                FrameGroup::Shown(f) => f.function.clone().unwrap_or_default(),
                FrameGroup::Folded(run) => format!("{} folded", run.len()),
            })
            .collect()
    }

    #[test]
    fn folds_runs_of_library_frames() {
        let frames = vec![
            frame("lib_a", false),
            frame("lib_b", false),
            frame("handler", true),
            frame("lib_c", false),
            frame("save", true),
        ];
        assert_eq!(
            shape(&group_frames(frames.clone(), true)),
            ["2 folded", "handler", "1 folded", "save"]
        );
        assert_eq!(
            shape(&group_frames(frames, false)),
            ["lib_a", "lib_b", "handler", "lib_c", "save"]
        );
    }

    #[test]
    fn locates_frames() {
        let mut f = Frame {
            file: Some("app/views.py".to_owned()),
            ..Frame::default()
        };
        assert_eq!(frame_location(&f).as_deref(), Some("app/views.py"));
        f.line = Some(42);
        assert_eq!(frame_location(&f).as_deref(), Some("app/views.py:42"));
        f.column = Some(7);
        assert_eq!(frame_location(&f).as_deref(), Some("app/views.py:42:7"));
        f.file = None;
        assert_eq!(frame_location(&f), None);
    }
}
