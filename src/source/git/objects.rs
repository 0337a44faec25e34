//! One pass over the whole object database: every pack (through its delta tree, in parallel)
//! and every loose object. Each unique blob is scanned exactly once and commits are
//! recorded, so attribution only has to read the trees of history.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use gix::objs::Kind;
use gix::odb::pack;
use gix::ObjectId;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

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
    /// Every blob present in the object database (scanned or skipped).
    pub blobs: HashSet<ObjectId>,
    /// Findings of each blob that had any (paths are filled in by attribution).
    pub blob_findings: HashMap<ObjectId, Vec<Finding>>,
    /// Trees reduced to what attribution needs: their subtrees and the blobs with findings
    /// (filled by the second pass, [`collect_trees`]).
    pub trees: ReducedTrees,
    /// Blobs that trees refer to but the object database lacks (partial clones only).
    pub missing: HashSet<ObjectId>,
    /// Blobs that some tree names as a file a `paths` rule runs over (`.pgpass`), with that
    /// name; filled only when such rules exist.
    pub named: HashMap<ObjectId, String>,
}

/// A tree entry kept for attribution: a subtree, or a blob that produced findings. Names and
/// ids are stored as 64-bit keys (a name hash, an id prefix) so that the trees of a long
/// history fit in little memory; a collision is astronomically unlikely at repository sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReducedEntry {
    pub name: u64,
    pub id: u64,
    pub is_tree: bool,
}

/// Every tree of the repository, reduced, plus the tables that turn keys back into names and
/// blob ids.
#[derive(Debug, Default)]
pub(super) struct ReducedTrees {
    pub trees: FxHashMap<u64, Box<[ReducedEntry]>>,
    pub names: FxHashMap<u64, Box<[u8]>>,
    /// Id prefix to full id, for the blobs with findings.
    pub blobs: FxHashMap<u64, ObjectId>,
}

/// The first eight bytes of an object id, as a number.
pub(super) fn prefix(id: &gix::oid) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&id.as_bytes()[..8]);
    u64::from_be_bytes(bytes)
}

/// The 64-bit key of a file name.
fn name_key(name: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    std::hash::Hasher::write(&mut hasher, name);
    std::hash::Hasher::finish(&hasher)
}

/// What a pass over the object database does with each object.
#[derive(Clone, Copy)]
enum Pass<'a> {
    /// Scan every blob, record every commit.
    Scan,
    /// Record trees reduced to subtrees and `targets`; with `present`, count absent blobs.
    Trees {
        targets: &'a HashMap<ObjectId, Vec<Finding>>,
        present: Option<&'a HashSet<ObjectId>>,
    },
}

/// The pack indices and loose object directories of a repository (alternates included).
pub(super) struct ObjectFiles {
    indices: Vec<PathBuf>,
    loose_dirs: Vec<PathBuf>,
}

struct Shared<'a> {
    pass: Pass<'a>,
    scanner: &'a BlobScanner<'a>,
    max_blob_size: u64,
    hash: gix::hash::Kind,
    history: Mutex<History>,
    scanned: Mutex<HashSet<ObjectId>>,
    problems: Mutex<Vec<String>>,
    /// Blobs an earlier audit scanned: recorded as present, not scanned again.
    known: Option<&'a super::KnownBlobs>,
}

impl Shared<'_> {
    /// Counts an unreadable object (first pass only, so nothing is counted twice).
    fn corrupt(&self, text: String) {
        if matches!(self.pass, Pass::Scan) {
            self.scanner.counters.skip(SkipReason::Corrupt, "", None);
            self.problem(text);
        }
    }

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
    trees: Vec<(u64, Box<[ReducedEntry]>)>,
    names: Vec<(u64, Box<[u8]>)>,
    missing: Vec<ObjectId>,
    findings: Vec<(ObjectId, Vec<Finding>)>,
    named: Vec<(ObjectId, String)>,
}

const BATCH_LIMIT: usize = 4096;

/// Per-thread object processor; cloning gives a fresh, empty batch for another thread.
struct Collector<'a> {
    shared: &'a Shared<'a>,
    batch: Batch,
    state: WorkerState,
    /// Name keys this thread has already sent to the shared name table.
    names_sent: HashSet<u64>,
}

impl<'a> Collector<'a> {
    fn new(shared: &'a Shared<'a>) -> Self {
        Collector {
            shared,
            batch: Batch::default(),
            state: WorkerState::default(),
            names_sent: HashSet::new(),
        }
    }
}

impl Clone for Collector<'_> {
    fn clone(&self) -> Self {
        Collector::new(self.shared)
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
            history.trees.trees.extend(batch.trees);
            history.trees.names.extend(batch.names);
            history.missing.extend(batch.missing);
            history.blob_findings.extend(batch.findings);
            for (id, name) in batch.named {
                history.named.entry(id).or_insert(name);
            }
        }
    }

    fn process(&mut self, kind: Kind, data: &[u8], id: &gix::oid) {
        match (self.shared.pass, kind) {
            (Pass::Scan, Kind::Blob) => self.blob(data, id),
            (Pass::Scan, Kind::Commit) => match gix::objs::CommitRef::from_bytes(data, self.shared.hash) {
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
            (Pass::Trees { targets, present }, Kind::Tree) => self.tree(data, id, targets, present),
            (Pass::Scan, Kind::Tree) if self.shared.scanner.rules.has_path_rules() => self.gated_names(data),
            _ => {}
        }
        if self.batch.commits.len() + self.batch.findings.len() + self.batch.trees.len() + self.batch.named.len()
            >= BATCH_LIMIT
        {
            self.flush();
        }
    }

    /// Notes the blobs of a tree whose names a `paths` rule runs over (first pass; problems
    /// parsing trees are reported by the second pass).
    fn gated_names(&mut self, data: &[u8]) {
        let rules = self.shared.scanner.rules;
        for entry in gix::objs::TreeRefIter::from_bytes(data, self.shared.hash).flatten() {
            if entry.mode.is_blob() && rules.gates_file_name(entry.filename) {
                let name = String::from_utf8_lossy(entry.filename).into_owned();
                self.batch.named.push((entry.oid.to_owned(), name));
            }
        }
    }

    fn tree(
        &mut self,
        data: &[u8],
        id: &gix::oid,
        targets: &HashMap<ObjectId, Vec<Finding>>,
        present: Option<&HashSet<ObjectId>>,
    ) {
        let mut kept = Vec::new();
        for entry in gix::objs::TreeRefIter::from_bytes(data, self.shared.hash) {
            let Ok(entry) = entry else {
                self.shared.problem(format!("tree {id}: cannot be parsed"));
                break;
            };
            let is_tree = entry.mode.is_tree();
            let keep = if is_tree {
                true
            } else if entry.mode.is_blob_or_symlink() {
                if !targets.contains_key(entry.oid) {
                    if present.is_some_and(|present| !present.contains(entry.oid)) {
                        self.batch.missing.push(entry.oid.to_owned());
                    }
                    false
                } else {
                    true
                }
            } else {
                false
            };
            if keep {
                let name = name_key(entry.filename);
                if self.names_sent.insert(name) {
                    self.batch
                        .names
                        .push((name, entry.filename.to_vec().into_boxed_slice()));
                }
                kept.push(ReducedEntry {
                    name,
                    id: prefix(entry.oid),
                    is_tree,
                });
            }
        }
        self.batch.trees.push((prefix(id), kept.into_boxed_slice()));
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
        if let Some(known) = self.shared.known {
            if known.scanned.contains(id) {
                if let Some(findings) = known.findings.get(id) {
                    self.batch.findings.push((id.to_owned(), findings.clone()));
                }
                return;
            }
        }
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

/// Lists the object files of a repository.
pub(super) fn object_files(
    repo: &gix::ThreadSafeRepository,
    coverage: &mut GitCoverage,
) -> Result<ObjectFiles, GitError> {
    let local = repo.to_thread_local();
    let structure = local
        .objects
        .store_ref()
        .structure()
        .map_err(|e| GitError::Objects(e.to_string()))?;
    let mut files = ObjectFiles {
        indices: Vec::new(),
        loose_dirs: Vec::new(),
    };
    for record in structure {
        match record {
            gix::odb::store::structure::Record::LooseObjectDatabase { objects_directory, .. } => {
                files.loose_dirs.push(objects_directory)
            }
            gix::odb::store::structure::Record::Index { path, .. } => files.indices.push(path),
            gix::odb::store::structure::Record::MultiIndex { path, .. } => {
                match pack::multi_index::File::at(&path, None) {
                    Ok(multi) => {
                        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
                        files
                            .indices
                            .extend(multi.index_names().iter().map(|name| dir.join(name)));
                    }
                    Err(e) => coverage.problems.push(format!("{}: {e}", path.display())),
                }
            }
            gix::odb::store::structure::Record::Empty => {}
        }
    }
    files.indices.sort();
    files.indices.dedup();
    Ok(files)
}

/// True when the repository is a partial clone: objects may be absent by design.
pub(super) fn is_partial_clone(files: &ObjectFiles) -> bool {
    files
        .indices
        .iter()
        .any(|index| index.with_extension("promisor").exists())
}

/// First pass: reads every object once, scans each unique blob, records every commit.
pub(super) fn collect(
    repo: &gix::ThreadSafeRepository,
    files: &ObjectFiles,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    coverage: &mut GitCoverage,
) -> History {
    let shared = Shared {
        pass: Pass::Scan,
        scanner,
        max_blob_size: options.max_blob_size,
        hash: repo.to_thread_local().object_hash(),
        history: Mutex::new(History::default()),
        scanned: Mutex::new(HashSet::new()),
        problems: Mutex::new(Vec::new()),
        known: options.known.as_deref(),
    };
    run_pass(&shared, files, options.threads);
    let mut history = shared.history.into_inner().unwrap_or_default();
    history.blobs = shared.scanned.into_inner().unwrap_or_default();
    if !history.named.is_empty() {
        let known = options.known.as_deref();
        let named: Vec<(ObjectId, String)> = std::mem::take(&mut history.named)
            .into_iter()
            .filter(|(id, _)| known.is_none_or(|k| !k.scanned.contains(id)))
            .collect();
        let extra = super::range::scan_by_name(repo, scanner, options.max_blob_size, &named);
        super::range::merge_findings(&mut history.blob_findings, extra);
    }
    if let Ok(problems) = shared.problems.into_inner() {
        coverage.problems.extend(problems);
    }
    history
}

/// Second pass, only when there is something to attribute (or absent blobs to count): records
/// every tree reduced to its subtrees and the blobs that produced findings.
pub(super) fn collect_trees(
    repo: &gix::ThreadSafeRepository,
    files: &ObjectFiles,
    scanner: &BlobScanner<'_>,
    history: &mut History,
    count_missing: bool,
    threads: usize,
) {
    let shared = Shared {
        pass: Pass::Trees {
            targets: &history.blob_findings,
            present: count_missing.then_some(&history.blobs),
        },
        scanner,
        max_blob_size: 0,
        hash: repo.to_thread_local().object_hash(),
        history: Mutex::new(History::default()),
        scanned: Mutex::new(HashSet::new()),
        problems: Mutex::new(Vec::new()),
        known: None,
    };
    run_pass(&shared, files, threads);
    let pass = shared.history.into_inner().unwrap_or_default();
    history.trees = pass.trees;
    history.trees.blobs = history.blob_findings.keys().map(|id| (prefix(id), *id)).collect();
    history.missing = pass.missing;
}

fn run_pass(shared: &Shared<'_>, files: &ObjectFiles, threads: usize) {
    for index in &files.indices {
        traverse_pack(index, shared, threads);
    }
    for dir in &files.loose_dirs {
        scan_loose(dir, shared);
    }
}

/// A pack file mapped into memory, whose resident pages are handed back to the kernel every
/// so often during a traversal: without that, a whole-history scan keeps every page of every
/// pack resident (hundreds of MB for a large repository) although each is needed only briefly.
struct PackMap(std::sync::Arc<memmap2::Mmap>);

impl std::ops::Deref for PackMap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Objects decoded between two releases of a pack's resident pages.
const RELEASE_EVERY: u64 = 50_000;

fn release_pages(map: &memmap2::Mmap) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the mapping is a read-only private mapping of a pack file, which git never
        // rewrites in place (a repack writes new files). For such a mapping MADV_DONTNEED only
        // drops page-table entries; the next access reads the same bytes again from the file,
        // so slices other threads hold keep their contents.
        let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = map;
}

fn open_pack(
    index_path: &std::path::Path,
    hash: gix::hash::Kind,
) -> Result<
    (
        pack::index::File,
        pack::data::File<PackMap>,
        std::sync::Arc<memmap2::Mmap>,
    ),
    String,
> {
    let index = pack::index::File::at(index_path, hash).map_err(|e| e.to_string())?;
    let pack_path = index_path.with_extension("pack");
    let file = std::fs::File::open(&pack_path).map_err(|e| format!("{}: {e}", pack_path.display()))?;
    // SAFETY: as gix does for its own pack access: the file is only read, and git never
    // modifies a pack file in place.
    let map =
        std::sync::Arc::new(unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: {e}", pack_path.display()))?);
    let data = pack::data::File::from_data(PackMap(map.clone()), pack_path, hash).map_err(|e| e.to_string())?;
    Ok((index, data, map))
}

fn traverse_pack(index_path: &std::path::Path, shared: &Shared<'_>, threads: usize) {
    let (index, data, map) = match open_pack(index_path, shared.hash) {
        Ok(opened) => opened,
        Err(e) => {
            shared.corrupt(format!("pack {}: cannot be opened: {e}", index_path.display()));
            return;
        }
    };
    let decoded = std::sync::atomic::AtomicU64::new(0);
    let collector = Collector::new(shared);
    let interrupt = AtomicBool::new(false);
    let outcome = index.traverse(
        &data,
        &mut gix::progress::Discard,
        &interrupt,
        {
            let mut collector = collector;
            let decoded = &decoded;
            let map = &map;
            move |kind, data, entry, _progress| {
                collector.process(kind, data, &entry.oid);
                if decoded.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % RELEASE_EVERY == RELEASE_EVERY - 1 {
                    release_pages(map);
                }
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
        shared.corrupt(format!("pack {}: {e}", index_path.display()));
    }
}

fn scan_loose(dir: &std::path::Path, shared: &Shared<'_>) {
    let store = gix::odb::loose::Store::at(dir, shared.hash);
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
    let collector = Collector::new(shared);
    ids.par_iter().for_each_with(collector, |collector, id| {
        let mut buf = Vec::new();
        match store.try_find(id, &mut buf) {
            Ok(Some(data)) => collector.process(data.kind, data.data, id),
            Ok(None) => {}
            Err(e) => {
                shared.corrupt(format!("object {id}: {e}"));
            }
        }
    });
}
