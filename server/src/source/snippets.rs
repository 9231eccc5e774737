//! An event's source: which repository and commit, each in-app frame mapped to a repository path, the
//! files read (each once, a few at a time) and cut around the frames' lines.

use std::collections::{BTreeMap, HashMap};

use domain::query::EventDetail;
use domain::source::mapping::{Mapped, TreeIndex, map_frame};
use domain::source::repo_url::{GITHUB_HOST, RepoUrl, html_url};
use domain::source::{
    CodeMapping, EventSource, FrameSource, FrameSourceResult, Language, RepositoryRef, Snippet,
    SourceNote,
};
use domain::span::tags;
use domain::stacktrace::Frame;
use futures::StreamExt;

use super::SourceService;
use super::fetch::{Target, is_sha};
use crate::github::SourceError;
use crate::storage::{CachedFile, Secret, StoreError};

/// Files read from GitHub at once for one event.
const FETCH_CONCURRENCY: usize = 4;

/// An in-app frame with a file and a line: (exception index, frame index, frame).
type FrameRef<'e> = (usize, usize, &'e Frame);

pub(super) fn tag<'e>(event: &'e EventDetail, keys: [&str; 2]) -> Option<&'e str> {
    keys.iter()
        .find_map(|k| event.span_tags.get(*k))
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

impl SourceService {
    /// The source of an event's in-app frames, `context` lines either side (capped at
    /// [`super::MAX_CONTEXT`]); `None` for an unknown event. GitHub failures become notes.
    pub async fn event_source(
        &self,
        event_id: i64,
        context: u32,
    ) -> Result<Option<EventSource>, StoreError> {
        let Some(event) = self.store.event(event_id).await? else {
            return Ok(None);
        };
        let context = context.min(super::MAX_CONTEXT);
        let frames: Vec<FrameRef<'_>> = event
            .stacktrace
            .exceptions
            .iter()
            .enumerate()
            .flat_map(|(e, exception)| {
                exception
                    .frames
                    .iter()
                    .enumerate()
                    .map(move |(f, frame)| (e, f, frame))
            })
            .filter(|(_, _, frame)| frame.in_app && frame.file.is_some() && frame.line.is_some())
            .collect();
        let Some((target, mappings)) = self.target(&event).await? else {
            return Ok(Some(EventSource {
                repository: None,
                commit: None,
                branch: None,
                frames: Vec::new(),
                note: Some(SourceNote::NoRepository),
            }));
        };
        let repository = RepositoryRef {
            owner: target.owner.clone(),
            name: target.name.clone(),
            html_url: html_url(&target.owner, &target.name, target.api_base_url.as_deref()),
        };
        let commit = tag(&event, [tags::GIT_COMMIT_SHA, tags::DD_GIT_COMMIT_SHA])
            .filter(|sha| is_sha(sha))
            .map(str::to_owned);
        let mut source = EventSource {
            repository: Some(repository),
            commit: commit.clone(),
            branch: None,
            frames: Vec::new(),
            note: None,
        };
        if frames.is_empty() {
            return Ok(Some(source));
        }
        let git_ref = match commit {
            Some(sha) => sha,
            None => match self.default_branch(&target).await {
                Ok(branch) => {
                    source.branch = Some(branch.clone());
                    branch
                }
                Err(e) => {
                    let note = fail(e)?.note();
                    source.frames = every(&frames, &note);
                    return Ok(Some(source));
                }
            },
        };
        source.frames = self
            .frame_sources(&event, &frames, &target, &mappings, &git_ref, context)
            .await?;
        Ok(Some(source))
    }

    /// The repository of an event: the one its repository URL tag names if linked; else a linked
    /// repository serving its service; else the public github.com repository the tag names.
    pub(super) async fn target(
        &self,
        event: &EventDetail,
    ) -> Result<Option<(Target, Vec<CodeMapping>)>, StoreError> {
        let url = tag(
            event,
            [tags::GIT_REPOSITORY_URL, tags::DD_GIT_REPOSITORY_URL],
        )
        .and_then(RepoUrl::parse);
        let linked = self.store.linked_repositories().await?;
        let chosen = match &url {
            Some(url) => linked.iter().find(|l| {
                let r = &l.repository;
                url.is(&r.owner, &r.name, r.api_base_url.as_deref())
            }),
            None => None,
        }
        .or_else(|| {
            linked
                .iter()
                .find(|l| l.repository.services.contains(&event.service))
        });
        if let Some(linked) = chosen {
            let r = &linked.repository;
            let mappings = self
                .store
                .code_mappings()
                .await?
                .into_iter()
                .filter(|m| m.repository_id == r.id)
                .collect();
            let target = Target {
                owner: r.owner.clone(),
                name: r.name.clone(),
                api_base: r
                    .api_base_url
                    .clone()
                    .unwrap_or_else(|| self.default_api.clone()),
                api_base_url: r.api_base_url.clone(),
                secret: linked.secret.clone(),
                repository_id: Some(r.id),
            };
            return Ok(Some((target, mappings)));
        }
        Ok(url.filter(|u| u.host == GITHUB_HOST).map(|u| {
            let target = Target {
                owner: u.owner,
                name: u.name,
                api_base: self.default_api.clone(),
                api_base_url: None,
                secret: Secret::None,
                repository_id: None,
            };
            (target, Vec::new())
        }))
    }

    async fn frame_sources(
        &self,
        event: &EventDetail,
        frames: &[FrameRef<'_>],
        target: &Target,
        mappings: &[CodeMapping],
        git_ref: &str,
        context: u32,
    ) -> Result<Vec<FrameSource>, StoreError> {
        // Manual mappings first; the tree only when some frame needs suffix matching.
        let mut mapped: Vec<Mapped> = frames
            .iter()
            .map(|(_, _, frame)| map_frame(frame, &event.service, mappings, None))
            .collect();
        let mut tree_failure: Option<SourceNote> = None;
        if mapped.contains(&Mapped::NeedsTree) {
            match self.tree(target, git_ref).await {
                Ok(paths) => {
                    let index = TreeIndex::new(paths);
                    for (m, (_, _, frame)) in mapped.iter_mut().zip(frames) {
                        if *m == Mapped::NeedsTree {
                            *m = map_frame(frame, &event.service, mappings, Some(&index));
                        }
                    }
                }
                Err(SourceError::NotFound) => {
                    // The repository may be invisible, or the commit unknown to GitHub.
                    tree_failure = Some(match self.default_branch(target).await {
                        Ok(_) => SourceNote::FileMissing {
                            path: String::new(),
                        },
                        Err(e) => fail(e)?.note(),
                    });
                }
                Err(e) => tree_failure = Some(fail(e)?.note()),
            }
        }

        // Each distinct path once, a few at a time.
        let mut paths: Vec<String> = mapped
            .iter()
            .filter_map(|m| match m {
                Mapped::Path(path, _) => Some(path.clone()),
                _ => None,
            })
            .collect();
        paths.sort_unstable();
        paths.dedup();
        let reads: HashMap<String, Result<CachedFile, SourceError>> =
            futures::stream::iter(paths.into_iter().map(|path| async move {
                let read = self.file(target, git_ref, &path).await;
                (path, read)
            }))
            .buffer_unordered(FETCH_CONCURRENCY)
            .collect()
            .await;
        let mut notes: BTreeMap<String, Result<CachedFile, SourceNote>> = BTreeMap::new();
        for (path, read) in reads {
            let read = match read {
                Ok(file) => Ok(file),
                Err(e) => Err(fail(e)?.note()),
            };
            notes.insert(path, read);
        }
        let reads = notes;
        // Every file 404 without a tree read to vouch for the repository: it may be invisible.
        let all_missing =
            !reads.is_empty() && reads.values().all(|r| matches!(r, Ok(CachedFile::Missing)));
        let access_note = if all_missing && tree_failure.is_none() && !mapped.iter().any(is_suffix)
        {
            match self.default_branch(target).await {
                Ok(_) => None,
                Err(e) => Some(fail(e)?.note()),
            }
        } else {
            None
        };

        let html = html_url(&target.owner, &target.name, target.api_base_url.as_deref());
        let mut out = Vec::with_capacity(frames.len());
        for (m, &(exception, frame_index, frame)) in mapped.into_iter().zip(frames) {
            let result = match m {
                Mapped::Path(path, mapping) => {
                    let read = reads
                        .get(path.as_str())
                        .cloned()
                        .unwrap_or(Ok(CachedFile::Missing));
                    match (&access_note, read) {
                        (Some(note), _) => FrameSourceResult::Note(note.clone()),
                        (None, Ok(file)) => {
                            snippet(file, path, mapping, frame, context, &html, git_ref)
                        }
                        (None, Err(note)) => FrameSourceResult::Note(note),
                    }
                }
                Mapped::NotMapped { path } => {
                    FrameSourceResult::Note(SourceNote::NotMapped { path })
                }
                Mapped::NeedsTree => FrameSourceResult::Note(match &tree_failure {
                    Some(SourceNote::FileMissing { .. }) => SourceNote::FileMissing {
                        path: frame.file.clone().unwrap_or_default(),
                    },
                    Some(note) => note.clone(),
                    None => SourceNote::NotMapped {
                        path: frame.file.clone().unwrap_or_default(),
                    },
                }),
            };
            out.push(FrameSource {
                exception,
                frame: frame_index,
                result,
            });
        }
        Ok(out)
    }
}

fn is_suffix(mapped: &Mapped) -> bool {
    matches!(
        mapped,
        Mapped::Path(_, domain::source::MappingUsed::Suffix { .. })
            | Mapped::Path(_, domain::source::MappingUsed::Module { .. })
    )
}

/// A GitHub failure, or the store's (which is an error of the whole request, not a note).
pub(super) fn fail(error: SourceError) -> Result<SourceError, StoreError> {
    match error {
        SourceError::Store(e) => Err(e),
        other => Ok(other),
    }
}

/// The same note on every frame.
fn every(frames: &[FrameRef<'_>], note: &SourceNote) -> Vec<FrameSource> {
    frames
        .iter()
        .map(|&(exception, frame, _)| FrameSource {
            exception,
            frame,
            result: FrameSourceResult::Note(note.clone()),
        })
        .collect()
}

fn snippet(
    file: CachedFile,
    path: String,
    mapping: domain::source::MappingUsed,
    frame: &Frame,
    context: u32,
    html: &str,
    git_ref: &str,
) -> FrameSourceResult {
    let text = match file {
        CachedFile::Text(text) => text,
        CachedFile::Missing => return FrameSourceResult::Note(SourceNote::FileMissing { path }),
        CachedFile::NotText => return FrameSourceResult::Note(SourceNote::NotText { path }),
    };
    let lines: Vec<&str> = text.lines().collect();
    let count = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    let line = frame.line.unwrap_or(0);
    if line == 0 || line > count {
        return FrameSourceResult::Note(SourceNote::LineOutOfRange { path, lines: count });
    }
    let first = line.saturating_sub(context).max(1);
    let last = line.saturating_add(context).min(count);
    let cut = lines[(first - 1) as usize..last as usize]
        .iter()
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect();
    FrameSourceResult::Snippet(Snippet {
        url: format!("{html}/blob/{git_ref}/{path}#L{line}"),
        language: Language::from_path(&path),
        path,
        mapping,
        first_line: first,
        lines: cut,
        line,
    })
}
