//! A parsed stack trace: each exception of the chain, in-app frames shown and runs of library frames
//! folded, with the text as reported behind a toggle. `<details>` does the folding, so it works before
//! (and without) hydration. With an event's source, each in-app frame shows its code (or why not)
//! once the browser has loaded it: the page never waits for GitHub, neither to render nor to hydrate.

use domain::source::EventSource;
use domain::stacktrace::{Exception, Frame, Language, Stacktrace};
use leptos::prelude::*;

use super::source_snippet::{FrameSource, SourceBanner, SourceContext};
use super::states::server_message;

/// The snippets of an event's in-app frames as they load: `None` until they are there. The issue page
/// loads them in the browser after hydration: loaded on the server, they would stream in a nested
/// out-of-order chunk, which holds back hydration of the whole page until GitHub answers (and such
/// nested chunks fail to hydrate in Leptos 0.8).
pub type SourceState = Signal<Option<Result<Option<EventSource>, ServerFnError>>>;

/// `raw` is the stack as the tracer reported it (`error.stack`); `source`, when given, the code of its
/// in-app frames.
#[component]
pub fn StackTrace(
    stacktrace: Stacktrace,
    raw: String,
    #[prop(optional)] source: Option<SourceState>,
) -> impl IntoView {
    if raw.trim().is_empty() && stacktrace.exceptions.is_empty() {
        return view! { <p class="muted">"No stack trace was reported."</p> }.into_any();
    }
    if stacktrace.raw || stacktrace.exceptions.is_empty() {
        return view! { <pre class="raw-stack">{raw}</pre> }.into_any();
    }
    let classes = matches!(stacktrace.language, Some(Language::Java | Language::DotNet));
    // Effects run only in the browser: the server renders no "loading" that would never end.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let banner = source.map(|source| {
        move || match source.get() {
            Some(Ok(Some(found))) => view! { <SourceBanner source=found /> }.into_any(),
            Some(Err(error)) => view! {
                <p class="source-banner error" role="note">
                    "The code of the frames could not be loaded. " {server_message(&error)}
                </p>
            }
            .into_any(),
            Some(Ok(None)) | None => ().into_any(),
        }
    });
    let exceptions = stacktrace
        .exceptions
        .into_iter()
        .enumerate()
        .map(|(index, exception)| {
            let place = source.map(|source| Place {
                source,
                exception: index,
                classes,
                hydrated: hydrated.into(),
            });
            view! { <ExceptionView exception cause={index > 0} place /> }
        })
        .collect_view();
    view! {
        <div class="stacktrace">
            <p class="muted">"Most recent call last."</p>
            {banner}
            {exceptions}
            <details class="raw-toggle">
                <summary>"Raw stack trace"</summary>
                <pre class="raw-stack">{raw}</pre>
            </details>
        </div>
    }
    .into_any()
}

/// Where an exception's frames find their source.
#[derive(Clone, Copy)]
struct Place {
    source: SourceState,
    exception: usize,
    classes: bool,
    hydrated: Signal<bool>,
}

#[component]
fn ExceptionView(exception: Exception, cause: bool, place: Option<Place>) -> impl IntoView {
    let Exception {
        error_type,
        message,
        frames,
    } = exception;
    let fold = frames.iter().any(|f| f.in_app);
    let groups = group_frames(frames, fold)
        .into_iter()
        .map(|group| match group {
            FrameGroup::Shown(index, frame) => view! { <FrameView frame index place /> }.into_any(),
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
                                {frames
                                    .into_iter()
                                    .map(|(index, frame)| view! { <FrameView frame index place=None /> })
                                    .collect_view()}
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
fn FrameView(frame: Frame, index: usize, place: Option<Place>) -> impl IntoView {
    let location = frame_location(&frame);
    // Only in-app frames with a file and a line can have source.
    let code = place
        .filter(|_| frame.in_app && frame.file.is_some() && frame.line.is_some())
        .map(|place| frame_code(place, index));
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
            {code}
        </li>
    }
}

/// The code of frame `frame` of the place's exception, once the event's source is loaded.
fn frame_code(place: Place, frame: usize) -> impl IntoView + use<> {
    let Place {
        source,
        exception,
        classes,
        hydrated,
    } = place;
    move || match source.get() {
        None if hydrated.get() => view! {
            <p class="source-loading muted" role="status">
                "Loading the code…"
            </p>
        }
        .into_any(),
        Some(Ok(Some(found))) => {
            let context = SourceContext::new(&found, classes);
            found
                .frames
                .into_iter()
                .find(|f| f.exception == exception && f.frame == frame)
                .map(|f| view! { <FrameSource result=f.result context /> })
                .into_any()
        }
        _ => ().into_any(),
    }
}

/// Frames with their index in the exception.
enum FrameGroup {
    Shown(usize, Frame),
    Folded(Vec<(usize, Frame)>),
}

/// With `fold`, consecutive library frames become one folded group; without (a trace with no in-app
/// frame at all), every frame is shown.
fn group_frames(frames: Vec<Frame>, fold: bool) -> Vec<FrameGroup> {
    let mut groups = Vec::new();
    for (index, frame) in frames.into_iter().enumerate() {
        if !fold || frame.in_app {
            groups.push(FrameGroup::Shown(index, frame));
        } else if let Some(FrameGroup::Folded(run)) = groups.last_mut() {
            run.push((index, frame));
        } else {
            groups.push(FrameGroup::Folded(vec![(index, frame)]));
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
                FrameGroup::Shown(i, f) => {
                    format!("{i} {}", f.function.clone().unwrap_or_default())
                }
                FrameGroup::Folded(run) => format!("{} folded from {}", run.len(), run[0].0),
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
            ["2 folded from 0", "2 handler", "1 folded from 3", "4 save"]
        );
        assert_eq!(
            shape(&group_frames(frames, false)),
            ["0 lib_a", "1 lib_b", "2 handler", "3 lib_c", "4 save"]
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
