//! `--range A..B` / `--since-commit REV`: only what the commits of a range introduce (the pull
//! request case). Reads just those commits' changed trees and new blobs, never the whole
//! object database.

use std::collections::{HashMap, HashSet};

use gix::objs::{Find, FindExt};
use gix::ObjectId;
use rayon::prelude::*;

use super::attribute::{group, merge_parts, record_problems, resolve_commit, thread_repo, Place};
use super::tree::{DiffProblems, Differ, Introduced};
use super::{is_lfs_pointer, GitCoverage, GitError, GitOptions};
use crate::finding::Finding;
use crate::scan::{BlobScanner, SkipReason, WorkerState};

/// Scans the content introduced by the commits in `from..to`.
pub(super) fn scan(
    repo: &gix::ThreadSafeRepository,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    from: &str,
    to: &str,
    coverage: &mut GitCoverage,
) -> Result<Vec<Finding>, GitError> {
    let local = thread_repo(repo);
    let to_id = resolve_commit(&local, to)?;
    let from_id = resolve_commit(&local, from)?;
    let walk = local
        .rev_walk([to_id])
        .with_hidden([from_id])
        .all()
        .map_err(|e| GitError::Objects(e.to_string()))?;
    let mut commits: Vec<ObjectId> = Vec::new();
    for info in walk {
        let info = info.map_err(|e| GitError::Objects(e.to_string()))?;
        if options
            .since
            .is_none_or(|since| info.commit_time.is_none_or(|t| t >= since))
        {
            commits.push(info.id);
        }
    }
    coverage.refs = 1;
    coverage.commits = commits.len() as u64;
    let places = introduced_by(repo, &commits, coverage);
    Ok(scan_places(repo, &local, scanner, options, places, false))
}

/// What an incremental audit of a repository found: findings placed in the new commits only,
/// and the blobs it read for the first time.
pub(super) struct NewCommits {
    pub findings: Vec<Finding>,
    pub new_blobs: Vec<ObjectId>,
    pub new_blob_findings: HashMap<ObjectId, Vec<Finding>>,
}

/// Scans what the commits reachable from `tips` but not from `seen` introduced: the part of
/// history an earlier audit, which ended at `seen`, did not cover. Blobs in `options.known`
/// are not read again; their recorded findings stand in.
pub(super) fn scan_new_commits(
    repo: &gix::ThreadSafeRepository,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    tips: &[ObjectId],
    seen: &[ObjectId],
    coverage: &mut GitCoverage,
) -> Result<NewCommits, GitError> {
    let local = thread_repo(repo);
    // Tips an earlier audit saw but that are gone (history rewritten and collected) cannot
    // bound the walk; what they reached was recorded then.
    let hidden: Vec<ObjectId> = seen
        .iter()
        .copied()
        .filter(|id| local.find_commit(*id).is_ok())
        .collect();
    let walk = local
        .rev_walk(tips.iter().copied())
        .with_hidden(hidden)
        .all()
        .map_err(|e| GitError::Objects(e.to_string()))?;
    let mut commits: Vec<ObjectId> = Vec::new();
    for info in walk {
        commits.push(info.map_err(|e| GitError::Objects(e.to_string()))?.id);
    }
    coverage.refs = tips.len();
    coverage.commits = commits.len() as u64;
    let places = introduced_by(repo, &commits, coverage);
    let known = options.known.as_deref();
    let mut wanted: Vec<ObjectId> = places
        .iter()
        .flat_map(|p| std::iter::once(p.blob).chain(p.previous.iter().copied()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    wanted.sort();
    let (seen_before, new_blobs): (Vec<ObjectId>, Vec<ObjectId>) = wanted
        .into_iter()
        .partition(|id| known.is_some_and(|k| k.scanned.contains(id)));
    coverage.blobs_already_scanned = seen_before.len() as u64;
    let new_blob_findings = scan_blobs(repo, scanner, options.max_blob_size, &new_blobs);
    let mut blob_findings = new_blob_findings.clone();
    if let Some(known) = known {
        for id in &seen_before {
            if let Some(findings) = known.findings.get(id) {
                blob_findings.insert(*id, findings.clone());
            }
        }
    }
    let findings = group_places(&local, scanner, options, places, &blob_findings, false);
    Ok(NewCommits {
        findings,
        new_blobs,
        new_blob_findings,
    })
}

/// Scans the blobs of `places` and the versions they replaced (so a secret a change only
/// carried over is not reported as added), then groups the findings.
pub(super) fn scan_places(
    repo: &gix::ThreadSafeRepository,
    local: &gix::Repository,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    places: Vec<Place>,
    staged: bool,
) -> Vec<Finding> {
    let blobs: Vec<ObjectId> = places
        .iter()
        .flat_map(|p| std::iter::once(p.blob).chain(p.previous.iter().copied()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut blob_findings = scan_blobs(repo, scanner, options.max_blob_size, &blobs);
    if scanner.rules.has_path_rules() {
        let named: Vec<(ObjectId, String)> = places
            .iter()
            .filter_map(|p| {
                let name = p.path.rsplit(|b| *b == b'/').next().unwrap_or(&p.path[..]);
                scanner
                    .rules
                    .gates_file_name(name)
                    .then(|| (p.blob, String::from_utf8_lossy(name).into_owned()))
            })
            .collect();
        merge_findings(
            &mut blob_findings,
            scan_by_name(repo, scanner, options.max_blob_size, &named),
        );
    }
    group_places(local, scanner, options, places, &blob_findings, staged)
}

/// Groups per-blob findings at `places` into one finding per secret, with the scanner's path
/// filters (ignored paths, rule path scopes and allowlists).
fn group_places(
    local: &gix::Repository,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    places: Vec<Place>,
    blob_findings: &HashMap<ObjectId, Vec<Finding>>,
    staged: bool,
) -> Vec<Finding> {
    group(
        local,
        places,
        blob_findings,
        false,
        options.all_occurrences,
        staged,
        super::attribute::PathFilters {
            ignored: &|path| scanner.suppressions.suppresses_path(path),
            rule_skips: &|finding, path, commit| {
                let commit = commit.filter(|_| finding.allow_deferred != 0).map(|c| c.to_string());
                scanner.excluded_at(finding, path, commit.as_deref())
            },
        },
    )
}

/// Every (commit, path, blob) that `commits` introduced.
fn introduced_by(repo: &gix::ThreadSafeRepository, commits: &[ObjectId], coverage: &mut GitCoverage) -> Vec<Place> {
    let (places, problems): (Vec<Place>, DiffProblems) = commits
        .par_iter()
        .map_init(
            || thread_repo(repo),
            |repo, id| {
                let mut buf = Vec::new();
                let mut problems = DiffProblems::default();
                let Ok(commit) = repo.objects.find_commit(id, &mut buf) else {
                    problems.unreadable_trees.push(*id);
                    return (Vec::new(), problems);
                };
                let tree = commit.tree();
                let parent_ids: Vec<ObjectId> = commit.parents().collect();
                let parents: Vec<ObjectId> = parent_ids
                    .iter()
                    .filter_map(|p| {
                        let mut buf = Vec::new();
                        repo.objects.find_commit(p, &mut buf).ok().map(|c| c.tree())
                    })
                    .collect();
                let mut found = Vec::new();
                Differ::new(repo).introduced(&tree, &parents, &mut found, &mut problems);
                let places = found
                    .into_iter()
                    .map(|Introduced { path, blob, previous }| Place {
                        commit: Some(*id),
                        path,
                        blob,
                        previous,
                    })
                    .collect();
                (places, problems)
            },
        )
        .reduce(|| (Vec::new(), DiffProblems::default()), merge_parts);
    record_problems(problems, coverage);
    places
}

/// Runs the rules gated by file name over blobs known by one of their names (each blob was
/// already read and counted by [`scan_blobs`] or the history pass; unreadable ones were counted
/// there too and are passed over here).
pub(super) fn scan_by_name(
    repo: &gix::ThreadSafeRepository,
    scanner: &BlobScanner<'_>,
    max_size: u64,
    named: &[(ObjectId, String)],
) -> Vec<(ObjectId, Vec<Finding>)> {
    named
        .par_iter()
        .map_init(
            || (thread_repo(repo), WorkerState::default()),
            |(repo, state), (id, name)| {
                let data = text_blob(repo, id, &mut state.buffer, max_size).ok()?;
                let findings = scanner.find_by_name(name, data, &mut state.scratch, &mut state.matches);
                (!findings.is_empty()).then_some((*id, findings))
            },
        )
        .flatten()
        .collect()
}

/// Adds findings of a by-name pass to the per-blob findings, leaving out any the first pass
/// already had (a rule with both keywords and `paths` finds the same secret twice).
pub(super) fn merge_findings(
    blob_findings: &mut HashMap<ObjectId, Vec<Finding>>,
    extra: Vec<(ObjectId, Vec<Finding>)>,
) {
    for (id, findings) in extra {
        let list = blob_findings.entry(id).or_default();
        for finding in findings {
            let known = list.iter().any(|f| {
                f.rule_id == finding.rule_id
                    && f.fingerprint == finding.fingerprint
                    && f.line == finding.line
                    && f.column == finding.column
            });
            if !known {
                list.push(finding);
            }
        }
    }
}

/// Reads a blob worth scanning, or says why not (`None`: the id names no blob at all).
fn text_blob<'b>(
    repo: &gix::Repository,
    id: &ObjectId,
    buffer: &'b mut Vec<u8>,
    max_size: u64,
) -> Result<&'b [u8], Option<SkipReason>> {
    let data = match repo.objects.try_find(id, buffer) {
        Ok(Some(data)) if data.kind == gix::objs::Kind::Blob => data.data,
        Ok(Some(_)) => return Err(None),
        Ok(None) => return Err(Some(SkipReason::Missing)),
        Err(_) => return Err(Some(SkipReason::Corrupt)),
    };
    if data.len() as u64 > max_size {
        Err(Some(SkipReason::TooLarge))
    } else if is_lfs_pointer(data) {
        Err(Some(SkipReason::LfsPointer))
    } else if BlobScanner::is_binary(data) {
        Err(Some(SkipReason::Binary))
    } else {
        Ok(data)
    }
}

/// Reads and scans each blob once, in parallel; skips are counted by reason.
pub(super) fn scan_blobs(
    repo: &gix::ThreadSafeRepository,
    scanner: &BlobScanner<'_>,
    max_size: u64,
    blobs: &[ObjectId],
) -> HashMap<ObjectId, Vec<Finding>> {
    blobs
        .par_iter()
        .map_init(
            || (thread_repo(repo), WorkerState::default()),
            |(repo, state), id| {
                let data = match text_blob(repo, id, &mut state.buffer, max_size) {
                    Ok(data) => data,
                    Err(reason) => {
                        if let Some(reason) = reason {
                            scanner.counters.skip(reason, "", None);
                        }
                        return None;
                    }
                };
                let findings = scanner.find("", data, &mut state.scratch, &mut state.matches);
                (!findings.is_empty()).then_some((*id, findings))
            },
        )
        .flatten()
        .collect()
}
