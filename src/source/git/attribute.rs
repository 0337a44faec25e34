//! Attribution: which commits introduced the blobs that produced findings, and the grouping of
//! per-blob findings into one finding per secret with all its occurrences.

use std::collections::{BTreeMap, HashMap, HashSet};

use gix::bstr::{BString, ByteSlice};
use gix::objs::FindExt;
use gix::ObjectId;
use rayon::prelude::*;

use super::objects::{collect_trees, is_partial_clone, CommitNode, History, ObjectFiles};
use super::tree::{blob_at, introduced_in_memory, DiffProblems, Introduced};
use super::{rfc3339, GitCoverage, GitError, GitOptions, MAX_PROBLEMS};
use crate::finding::{Finding, GitInfo, Occurrence};
use crate::scan::{BlobScanner, SkipReason};

/// Where a blob was introduced: a commit (or the index, for staged content) and a path.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub commit: Option<ObjectId>,
    pub path: BString,
    pub blob: ObjectId,
    /// The blobs this one replaced at the same path. A secret they already held is not
    /// introduced here (only used where those blobs were scanned: ranges and the index).
    pub previous: Vec<ObjectId>,
}

/// Commits handled per parallel work item.
const CHUNK: usize = 128;

/// Attributes the findings of a full-history pass to the commits that introduced them.
pub(super) fn history(
    repo: &gix::ThreadSafeRepository,
    files: &ObjectFiles,
    scanner: &BlobScanner<'_>,
    mut history: History,
    options: &GitOptions,
    coverage: &mut GitCoverage,
) -> Result<Vec<Finding>, GitError> {
    let local = repo.to_thread_local();
    let tips = tips(&local, &options.branches, &history.commits)?;
    coverage.refs = tips.len();
    let (selected, missing_commits) = reachable(&history.commits, &tips, options.since);
    coverage.commits = selected.len() as u64;
    if missing_commits > 0 && !coverage.shallow {
        coverage.problems.push(format!(
            "{missing_commits} commit(s) referenced by history are missing from the object database"
        ));
    }
    let partial = is_partial_clone(files);
    if history.blob_findings.is_empty() && !partial {
        return Ok(Vec::new());
    }
    collect_trees(repo, files, scanner, &mut history, partial, options.threads);
    if partial {
        coverage.problems.push(format!(
            "partial clone: {} blob(s) are not present locally and were not scanned",
            history.missing.len()
        ));
    }
    let mut problems = DiffProblems {
        missing_blobs: std::mem::take(&mut history.missing).into_iter().collect(),
        ..DiffProblems::default()
    };
    let commits = &history.commits;
    let trees = &history.trees;
    let (places, diff_problems): (Vec<Place>, DiffProblems) = selected
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut places = Vec::new();
            let mut problems = DiffProblems::default();
            let mut found = Vec::new();
            for id in chunk {
                let Some(node) = commits.get(id) else { continue };
                let parents: Vec<ObjectId> = node
                    .parents
                    .iter()
                    .filter_map(|p| commits.get(p).map(|n| n.tree))
                    .collect();
                found.clear();
                introduced_in_memory(trees, &node.tree, &parents, &mut found, &mut problems);
                places.extend(found.drain(..).map(|Introduced { path, blob, previous }| Place {
                    commit: Some(*id),
                    path,
                    blob,
                    previous,
                }));
            }
            (places, problems)
        })
        .reduce(|| (Vec::new(), DiffProblems::default()), merge_parts);
    problems.merge(diff_problems);
    record_problems(problems, coverage);
    let report_unreachable = options.branches.is_empty() && options.since.is_none();
    Ok(group(
        &local,
        places,
        &history.blob_findings,
        report_unreachable,
        options.all_occurrences,
        false,
        PathFilters {
            ignored: &|path| scanner.suppressions.suppresses_path(path),
            rule_skips: &|finding, path, commit| {
                let commit = commit.filter(|_| finding.allow_deferred != 0).map(|c| c.to_string());
                scanner.excluded_at(finding, path, commit.as_deref())
            },
        },
    ))
}

/// A thread's own repository handle, with an object cache for the trees it reads.
pub(super) fn thread_repo(repo: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut local = repo.to_thread_local();
    local.object_cache_size_if_unset(32 * 1024 * 1024);
    local
}

/// The commits to start from: the named refs, or every ref plus HEAD.
fn tips(
    repo: &gix::Repository,
    branches: &[String],
    commits: &HashMap<ObjectId, CommitNode>,
) -> Result<Vec<ObjectId>, GitError> {
    let mut out = Vec::new();
    if branches.is_empty() {
        out = ref_targets(repo);
    } else {
        for name in branches {
            out.push(resolve_commit(repo, name)?);
        }
    }
    out.retain(|id| commits.contains_key(id));
    out.sort();
    out.dedup();
    Ok(out)
}

/// What every ref and HEAD point at, tags peeled (readable refs only).
pub(super) fn ref_targets(repo: &gix::Repository) -> Vec<ObjectId> {
    let mut out = Vec::new();
    if let Ok(platform) = repo.references() {
        if let Ok(all) = platform.all() {
            for mut reference in all.flatten() {
                if let Ok(id) = reference.peel_to_id() {
                    out.push(id.detach());
                }
            }
        }
    }
    if let Ok(head) = repo.head_id() {
        out.push(head.detach());
    }
    out
}

/// Resolves a revision (branch, tag, commit id, `HEAD~2`, …) to a commit id.
pub(super) fn resolve_commit(repo: &gix::Repository, spec: &str) -> Result<ObjectId, GitError> {
    let error = |message: String| GitError::Revision {
        spec: spec.to_string(),
        message,
    };
    let id = repo.rev_parse_single(spec).map_err(|e| error(e.to_string()))?;
    let object = id.object().map_err(|e| error(e.to_string()))?;
    let commit = object.peel_to_commit().map_err(|e| error(e.to_string()))?;
    Ok(commit.id)
}

/// Commits reachable from `tips` (oldest first) and the number of parents that are absent.
fn reachable(commits: &HashMap<ObjectId, CommitNode>, tips: &[ObjectId], since: Option<i64>) -> (Vec<ObjectId>, usize) {
    let mut seen: HashSet<ObjectId> = tips.iter().copied().collect();
    let mut stack: Vec<ObjectId> = tips.to_vec();
    let mut missing = 0;
    while let Some(id) = stack.pop() {
        let Some(node) = commits.get(&id) else { continue };
        for parent in &node.parents {
            if !commits.contains_key(parent) {
                missing += 1;
            } else if seen.insert(*parent) {
                stack.push(*parent);
            }
        }
    }
    let mut selected: Vec<ObjectId> = seen
        .into_iter()
        .filter(|id| {
            commits
                .get(id)
                .is_some_and(|node| since.is_none_or(|since| node.time >= since))
        })
        .collect();
    selected.sort_by_key(|id| (commits.get(id).map_or(0, |n| n.time), *id));
    (selected, missing)
}

/// Combines the places and problems two parallel workers found.
pub(super) fn merge_parts(
    mut a: (Vec<Place>, DiffProblems),
    b: (Vec<Place>, DiffProblems),
) -> (Vec<Place>, DiffProblems) {
    a.0.extend(b.0);
    a.1.merge(b.1);
    a
}

/// Adds what the diffs could not read to the coverage.
pub(super) fn record_problems(problems: DiffProblems, coverage: &mut GitCoverage) {
    let missing: HashSet<ObjectId> = problems.missing_blobs.into_iter().collect();
    if !missing.is_empty() {
        *coverage.skipped.entry(SkipReason::Missing).or_insert(0) += missing.len() as u64;
    }
    let unreadable: HashSet<ObjectId> = problems.unreadable_trees.into_iter().collect();
    let mut unreadable: Vec<ObjectId> = unreadable.into_iter().collect();
    unreadable.sort();
    for tree in unreadable.iter().take(MAX_PROBLEMS) {
        coverage.problems.push(format!("tree {tree}: missing or unreadable"));
    }
    if problems.too_deep > 0 {
        coverage.problems.push(format!(
            "{} tree(s) nested deeper than the walk follows were not scanned",
            problems.too_deep
        ));
    }
}

/// Author, date and summary of a commit, for reports.
#[derive(Debug, Clone, Default)]
struct CommitMeta {
    author_name: String,
    author_email: String,
    time: i64,
    date: String,
    summary: String,
}

fn commit_meta(repo: &gix::Repository, id: &ObjectId) -> CommitMeta {
    let mut buf = Vec::new();
    let Ok(commit) = repo.objects.find_commit(id, &mut buf) else {
        return CommitMeta::default();
    };
    let (author_name, author_email, time) = match commit.author() {
        Ok(author) => (
            author.name.trim().to_str_lossy().into_owned(),
            author.email.trim().to_str_lossy().into_owned(),
            author.time().map(|t| t.seconds).unwrap_or(0),
        ),
        Err(_) => Default::default(),
    };
    CommitMeta {
        author_name,
        author_email,
        time,
        date: rfc3339(time),
        summary: commit.message_summary().to_str_lossy().into_owned(),
    }
}

/// Which paths' findings are not reported: ignored paths, and per rule its `skip_paths`.
pub(super) struct PathFilters<'a> {
    pub ignored: &'a dyn Fn(&str) -> bool,
    /// Whether a finding is not reported at a path in a commit (rule path scopes, allowlists).
    pub rule_skips: &'a dyn Fn(&Finding, &str, Option<&ObjectId>) -> bool,
}

/// Turns per-blob findings and the places their blobs were introduced into one finding per
/// secret (fingerprint), located at its oldest occurrence.
pub(super) fn group(
    repo: &gix::Repository,
    places: Vec<Place>,
    blob_findings: &HashMap<ObjectId, Vec<Finding>>,
    report_unreachable: bool,
    all_occurrences: bool,
    staged: bool,
    paths: PathFilters<'_>,
) -> Vec<Finding> {
    let PathFilters {
        ignored: ignored_path,
        rule_skips: rule_skips_path,
    } = paths;
    let mut metas: HashMap<ObjectId, CommitMeta> = HashMap::new();
    for place in &places {
        if let Some(commit) = place.commit {
            metas.entry(commit).or_insert_with(|| commit_meta(repo, &commit));
        }
    }
    let head_tree = repo.head_tree_id().ok().map(|id| id.detach());
    let mut at_head: HashMap<(BString, ObjectId), bool> = HashMap::new();
    // fingerprint -> (occurrences with their per-blob finding)
    let mut groups: BTreeMap<String, Vec<(&Place, &Finding)>> = BTreeMap::new();
    let mut reached: HashSet<ObjectId> = HashSet::new();
    for place in &places {
        reached.insert(place.blob);
        if ignored_path(&place.path.to_str_lossy()) {
            continue;
        }
        for finding in blob_findings.get(&place.blob).into_iter().flatten() {
            if rule_skips_path(finding, &place.path.to_str_lossy(), place.commit.as_ref()) {
                continue;
            }
            let already_there = place.previous.iter().any(|previous| {
                blob_findings
                    .get(previous)
                    .is_some_and(|found| found.iter().any(|f| f.fingerprint == finding.fingerprint))
            });
            if already_there {
                continue;
            }
            groups
                .entry(finding.fingerprint.clone())
                .or_default()
                .push((place, finding));
        }
    }
    let sort_key = |place: &Place| {
        let meta = place.commit.and_then(|c| metas.get(&c));
        (meta.map_or(i64::MAX, |m| m.time), place.commit, place.path.clone())
    };
    let mut out = Vec::with_capacity(groups.len());
    for (_, mut occurrences) in groups {
        occurrences.sort_by_key(|(place, finding)| (sort_key(place), finding.line, finding.column));
        // One occurrence per (commit, path): the first line of the secret there.
        occurrences.dedup_by(|a, b| a.0.commit == b.0.commit && a.0.path == b.0.path);
        let (first_place, first) = occurrences[0];
        let mut present = false;
        if let Some(head) = head_tree {
            for (place, _) in &occurrences {
                let key = (place.path.clone(), place.blob);
                let here = *at_head
                    .entry(key)
                    .or_insert_with(|| blob_at(repo, head, &place.path) == Some(place.blob));
                if here {
                    present = true;
                    break;
                }
            }
        }
        let meta = first_place.commit.and_then(|c| metas.get(&c)).cloned();
        let listed = if all_occurrences {
            occurrences
                .iter()
                .map(|(place, finding)| {
                    let meta = place.commit.and_then(|c| metas.get(&c)).cloned().unwrap_or_default();
                    Occurrence {
                        commit: place.commit.map(|c| c.to_string()).unwrap_or_default(),
                        path: place.path.to_str_lossy().into_owned(),
                        line: finding.line,
                        column: finding.column,
                        blob: place.blob.to_string(),
                        author_name: meta.author_name,
                        author_email: meta.author_email,
                        date: meta.date,
                        summary: meta.summary,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut finding = first.clone();
        finding.path = first_place.path.to_str_lossy().into_owned();
        finding.git = Some(GitInfo {
            commit: first_place.commit.map(|c| c.to_string()),
            author_name: meta.as_ref().map(|m| m.author_name.clone()),
            author_email: meta.as_ref().map(|m| m.author_email.clone()),
            date: meta.as_ref().map(|m| m.date.clone()),
            summary: meta.as_ref().map(|m| m.summary.clone()),
            blob: first_place.blob.to_string(),
            present_at_head: present,
            occurrences: occurrences.len(),
            all_occurrences: listed,
            unreachable: false,
            staged,
        });
        out.push(finding);
    }
    if report_unreachable {
        let reported: HashSet<String> = out.iter().map(|f| f.fingerprint.clone()).collect();
        let mut unreachable: Vec<(&ObjectId, &Vec<Finding>)> =
            blob_findings.iter().filter(|(id, _)| !reached.contains(*id)).collect();
        unreachable.sort_by_key(|(id, _)| **id);
        let mut seen: HashSet<String> = HashSet::new();
        for (id, findings) in unreachable {
            for finding in findings {
                if reported.contains(&finding.fingerprint) || !seen.insert(finding.fingerprint.clone()) {
                    continue;
                }
                let mut finding = finding.clone();
                finding.path = format!("(unreachable blob {id})");
                finding.git = Some(GitInfo {
                    blob: id.to_string(),
                    occurrences: 0,
                    unreachable: true,
                    ..GitInfo::default()
                });
                out.push(finding);
            }
        }
    }
    out
}
