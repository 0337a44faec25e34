//! One pass over the whole object database: every pack (through its delta tree, in parallel)
//! and every loose object. Each unique blob is scanned exactly once; commits and trees are
//! recorded compactly so that attribution needs no second pass over history.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use gix::objs::Kind;
use gix::odb::pack;
use gix::ObjectId;
use rayon::prelude::*;

use super::{is_lfs_pointer, GitCoverage, GitError, GitOptions, MAX_PROBLEMS};
use crate::finding::Finding;
use crate::scan::{BlobScanner, SkipReason, WorkerState};

/// A commit as attribution needs it.
#[derive(Debug, Clone)]
pub(super) struct CommitNode {
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// What the pass over the object database learned.
#[derive(Debug, Default)]
pub(super) struct History {
    pub commits: HashMap<ObjectId, CommitNode>,
    /// Tree (by id prefix) to the id prefixes of its tree and blob entries. Prefixes keep this
    /// small; they only prune work, exact answers come from reading the trees again.
    pub trees: HashMap<u64, Vec<u64>>,
    /// Id prefixes of every blob and tree present.
    pub present: HashSet<u64>,
    /// Findings of each blob that had any (paths are filled in by attribution).
    pub blob_findings: HashMap<ObjectId, Vec<Finding>>,
}

/// The first eight bytes of an object id, as a number.
pub(super) fn prefix(id: &gix::oid) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&id.as_bytes()[..8]);
    u64::from_be_bytes(bytes)
}

struct Shared<'a> {
    scanner: &'a BlobScanner<'a>,
    max_blob_size: u64,
    hash: gix::hash::Kind,
    history: Mutex<History>,
    scanned: Mutex<HashSet<ObjectId>>,
    problems: Mutex<Vec<String>>,
}

impl Shared<'_> {
    fn problem(&self, text: String) {
        if let Ok(mut problems) = self.problems.lock() {
            if problems.len() < MAX_PROBLEMS {
                problems.push(text);
            }
        }
    }
}

/// Objects recorded by one thread, merged into the shared history in batches.
#[derive(Default)]
struct Batch {
    commits: Vec<(ObjectId, CommitNode)>,
    trees: Vec<(u64, Vec<u64>)>,
    present: Vec<u64>,
    findings: Vec<(ObjectId, Vec<Finding>)>,
}

const BATCH_LIMIT: usize = 4096;

/// Per-thread object processor; cloning gives a fresh, empty batch for another thread.
struct Collector<'a> {
    shared: &'a Shared<'a>,
    batch: Batch,
    state: WorkerState,
}

impl Clone for Collector<'_> {
    fn clone(&self) -> Self {
        Collector {
            shared: self.shared,
            batch: Batch::default(),
            state: WorkerState::default(),
        }
    }
}

impl Drop for Collector<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Collector<'_> {
    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        if let Ok(mut history) = self.shared.history.lock() {
            history.commits.extend(batch.commits);
            history.trees.extend(batch.trees);
            history.present.extend(batch.present);
            history.blob_findings.extend(batch.findings);
        }
    }

    fn process(&mut self, kind: Kind, data: &[u8], id: &gix::oid) {
        match kind {
            Kind::Blob => self.blob(data, id),
            Kind::Tree => match super::tree::parse_tree(data, self.shared.hash) {
                Some(entries) => {
                    let children = entries
                        .iter()
                        .filter(|e| e.is_tree || e.is_blob)
                        .map(|e| prefix(&e.id))
                        .collect();
                    self.batch.present.push(prefix(id));
                    self.batch.trees.push((prefix(id), children));
                }
                None => {
                    self.shared.scanner.counters.skip(SkipReason::Corrupt, "", None);
                    self.shared.problem(format!("tree {id}: cannot be parsed"));
                }
            },
            Kind::Commit => match gix::objs::CommitRef::from_bytes(data, self.shared.hash) {
                Ok(commit) => {
                    let time = commit.time().map(|t| t.seconds).unwrap_or(0);
                    self.batch.commits.push((
                        id.to_owned(),
                        CommitNode {
                            tree: commit.tree(),
                            parents: commit.parents().collect(),
                            time,
                        },
                    ));
                }
                Err(e) => self.shared.problem(format!("commit {id}: cannot be parsed: {e}")),
            },
            Kind::Tag => {}
        }
        if self.batch.present.len() + self.batch.commits.len() >= BATCH_LIMIT {
            self.flush();
        }
    }

    fn blob(&mut self, data: &[u8], id: &gix::oid) {
        match self.shared.scanned.lock() {
            Ok(mut scanned) => {
                if !scanned.insert(id.to_owned()) {
                    return;
                }
            }
            Err(_) => return,
        }
        self.batch.present.push(prefix(id));
        let counters = &self.shared.scanner.counters;
        if data.len() as u64 > self.shared.max_blob_size {
            counters.skip(SkipReason::TooLarge, "", None);
            return;
        }
        if is_lfs_pointer(data) {
            counters.skip(SkipReason::LfsPointer, "", None);
            return;
        }
        if BlobScanner::is_binary(data) {
            counters.skip(SkipReason::Binary, "", None);
            return;
        }
        let WorkerState { scratch, matches, .. } = &mut self.state;
        let findings = self.shared.scanner.find("", data, scratch, matches);
        if !findings.is_empty() {
            self.batch.findings.push((id.to_owned(), findings));
        }
    }
}

/// Reads every object of the repository once: scans blobs, records commits and trees.
pub(super) fn collect(
    repo: &gix::ThreadSafeRepository,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    coverage: &mut GitCoverage,
) -> Result<History, GitError> {
    let local = repo.to_thread_local();
    let hash = local.object_hash();
    let structure = local
        .objects
        .store_ref()
        .structure()
        .map_err(|e| GitError::Objects(e.to_string()))?;
    let shared = Shared {
        scanner,
        max_blob_size: options.max_blob_size,
        hash,
        history: Mutex::new(History::default()),
        scanned: Mutex::new(HashSet::new()),
        problems: Mutex::new(Vec::new()),
    };
    let mut loose_dirs = Vec::new();
    let mut indices: Vec<PathBuf> = Vec::new();
    for record in structure {
        match record {
            gix::odb::store::structure::Record::LooseObjectDatabase { objects_directory, .. } => {
                loose_dirs.push(objects_directory)
            }
            gix::odb::store::structure::Record::Index { path, .. } => indices.push(path),
            gix::odb::store::structure::Record::MultiIndex { path, .. } => {
                match pack::multi_index::File::at(&path, None) {
                    Ok(multi) => {
                        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
                        indices.extend(multi.index_names().iter().map(|name| dir.join(name)));
                    }
                    Err(e) => shared.problem(format!("{}: {e}", path.display())),
                }
            }
            gix::odb::store::structure::Record::Empty => {}
        }
    }
    indices.sort();
    indices.dedup();
    for index in &indices {
        traverse_pack(index, &shared, options.threads);
    }
    for dir in &loose_dirs {
        scan_loose(dir, &shared, hash);
    }
    let history = shared.history.into_inner().unwrap_or_default();
    if let Ok(problems) = shared.problems.into_inner() {
        coverage.problems.extend(problems);
    }
    Ok(history)
}

fn traverse_pack(index_path: &std::path::Path, shared: &Shared<'_>, threads: usize) {
    let bundle = match pack::Bundle::at(index_path, shared.hash) {
        Ok(bundle) => bundle,
        Err(e) => {
            shared.scanner.counters.skip(SkipReason::Corrupt, "", None);
            shared.problem(format!("pack {}: cannot be opened: {e}", index_path.display()));
            return;
        }
    };
    let collector = Collector {
        shared,
        batch: Batch::default(),
        state: WorkerState::default(),
    };
    let interrupt = AtomicBool::new(false);
    let outcome = bundle.index.traverse(
        &bundle.pack,
        &mut gix::progress::Discard,
        &interrupt,
        {
            let mut collector = collector;
            move |kind, data, entry, _progress| {
                collector.process(kind, data, &entry.oid);
                Ok(())
            }
        },
        pack::index::traverse::Options {
            traversal: pack::index::traverse::Algorithm::DeltaTreeLookup,
            thread_limit: Some(threads.max(1)),
            check: pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerificationAndNoAbortOnDecodeError,
            alloc_limit_bytes: None,
            make_pack_lookup_cache: || pack::cache::Never,
        },
    );
    if let Err(e) = outcome {
        shared.scanner.counters.skip(SkipReason::Corrupt, "", None);
        shared.problem(format!("pack {}: {e}", index_path.display()));
    }
}

fn scan_loose(dir: &std::path::Path, shared: &Shared<'_>, hash: gix::hash::Kind) {
    let store = gix::odb::loose::Store::at(dir, hash);
    let ids: Vec<ObjectId> = store
        .iter()
        .filter_map(|id| match id {
            Ok(id) => Some(id),
            Err(e) => {
                shared.problem(format!("loose objects in {}: {e}", dir.display()));
                None
            }
        })
        .collect();
    let collector = Collector {
        shared,
        batch: Batch::default(),
        state: WorkerState::default(),
    };
    ids.par_iter().for_each_with(collector, |collector, id| {
        let mut buf = Vec::new();
        match store.try_find(id, &mut buf) {
            Ok(Some(data)) => collector.process(data.kind, data.data, id),
            Ok(None) => {}
            Err(e) => {
                shared.scanner.counters.skip(SkipReason::Corrupt, "", None);
                shared.problem(format!("object {id}: {e}"));
            }
        }
    });
}
