//! Tree reading and the "what did this commit introduce" diff shared by every git mode.
//!
//! The diff walks a commit's tree and its parents' trees side by side in git's sort order,
//! reading trees straight from the object buffers (no per-entry allocation), and never opens
//! a subtree that is identical to a parent's.

use std::cmp::Ordering;

use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::objs::{Find, TreeRefIter};
use gix::ObjectId;

use super::objects::{prefix, ReducedEntry, ReducedTrees};

/// Deepest directory nesting followed; deeper trees are reported, not walked (a hostile
/// repository could otherwise exhaust the stack).
const MAX_DEPTH: usize = 1024;

/// A tree entry, owned.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub name: BString,
    pub id: ObjectId,
    pub is_tree: bool,
    /// A blob or symbolic link (submodule commits are neither).
    pub is_blob: bool,
}

/// Decodes the entries of tree `id`; `None` when it is missing or unreadable.
pub(super) fn read_tree(repo: &gix::Repository, id: &gix::oid, buf: &mut Vec<u8>) -> Option<Vec<Entry>> {
    let data = repo.objects.try_find(id, buf).ok()??;
    if data.kind != gix::objs::Kind::Tree {
        return None;
    }
    TreeRefIter::from_bytes(data.data, repo.object_hash())
        .map(|entry| {
            entry.ok().map(|e| Entry {
                name: e.filename.to_owned(),
                id: e.oid.to_owned(),
                is_tree: e.mode.is_tree(),
                is_blob: e.mode.is_blob_or_symlink(),
            })
        })
        .collect()
}

/// A (path, blob) pair that a commit introduced.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Introduced {
    pub path: BString,
    pub blob: ObjectId,
    /// The parents' blobs at the same path (the versions this one replaced).
    pub previous: Vec<ObjectId>,
}

/// What a diff could not read, and introduced blobs absent from the object database.
#[derive(Debug, Default)]
pub(super) struct DiffProblems {
    pub unreadable_trees: Vec<ObjectId>,
    pub missing_blobs: Vec<ObjectId>,
    pub too_deep: usize,
}

impl DiffProblems {
    /// Adds another thread's problems.
    pub fn merge(&mut self, other: DiffProblems) {
        self.unreadable_trees.extend(other.unreadable_trees);
        self.missing_blobs.extend(other.missing_blobs);
        self.too_deep += other.too_deep;
    }
}

/// An entry borrowed from a tree buffer.
#[derive(Clone, Copy)]
struct RawEntry<'a> {
    name: &'a [u8],
    id: &'a gix::oid,
    is_tree: bool,
    is_blob: bool,
}

/// Git's tree order: names compare bytewise, a tree's name as if it ended in `/`.
fn git_order(a: &RawEntry<'_>, b: &RawEntry<'_>) -> Ordering {
    let common = a.name.len().min(b.name.len());
    match a.name[..common].cmp(&b.name[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |e: &RawEntry<'_>| {
        e.name
            .get(common)
            .copied()
            .or(if e.is_tree { Some(b'/') } else { None })
    };
    next(a).cmp(&next(b))
}

/// The in-memory form of [`Differ::introduced`] over trees reduced to their subtrees and the
/// blobs of interest (see `objects::collect_trees`): no object is read.
pub(super) fn introduced_in_memory(
    reduced: &ReducedTrees,
    tree: &ObjectId,
    parents: &[ObjectId],
    out: &mut Vec<Introduced>,
    problems: &mut DiffProblems,
) {
    let parents: Vec<Option<u64>> = parents.iter().map(|p| Some(prefix(p))).collect();
    let mut path = BString::default();
    walk_in_memory(reduced, prefix(tree), tree, &parents, &mut path, out, problems, 0);
}

#[allow(clippy::too_many_arguments)]
fn walk_in_memory(
    reduced: &ReducedTrees,
    tree: u64,
    root: &ObjectId,
    parents: &[Option<u64>],
    path: &mut BString,
    out: &mut Vec<Introduced>,
    problems: &mut DiffProblems,
    depth: usize,
) {
    if parents.contains(&Some(tree)) {
        return;
    }
    if depth > MAX_DEPTH {
        problems.too_deep += 1;
        return;
    }
    let Some(entries) = reduced.trees.get(&tree) else {
        problems.unreadable_trees.push(*root);
        return;
    };
    let parent_entries: Vec<&[ReducedEntry]> = parents
        .iter()
        .map(|p| p.and_then(|id| reduced.trees.get(&id)).map(|e| &e[..]).unwrap_or(&[]))
        .collect();
    for entry in entries.iter() {
        let same: Vec<Option<&ReducedEntry>> = parent_entries
            .iter()
            .map(|list| list.iter().find(|p| p.name == entry.name && p.is_tree == entry.is_tree))
            .collect();
        if same.iter().any(|p| p.is_some_and(|p| p.id == entry.id)) {
            continue;
        }
        let before = path.len();
        if !path.is_empty() {
            path.push_byte(b'/');
        }
        path.push_str(reduced.names.get(&entry.name).map(|n| &n[..]).unwrap_or(b"?"));
        if entry.is_tree {
            let sub_parents: Vec<Option<u64>> = same.iter().map(|p| p.map(|p| p.id)).collect();
            walk_in_memory(reduced, entry.id, root, &sub_parents, path, out, problems, depth + 1);
        } else if let Some(blob) = reduced.blobs.get(&entry.id) {
            out.push(Introduced {
                path: path.clone(),
                blob: *blob,
                previous: Vec::new(),
            });
        }
        path.truncate(before);
    }
}

fn parse<'a>(data: &'a [u8], hash: gix::hash::Kind) -> Option<Vec<RawEntry<'a>>> {
    TreeRefIter::from_bytes(data, hash)
        .map(|entry| {
            entry.ok().map(|e| RawEntry {
                name: e.filename.as_bytes(),
                id: e.oid,
                is_tree: e.mode.is_tree(),
                is_blob: e.mode.is_blob_or_symlink(),
            })
        })
        .collect()
}

/// Finds what commits introduced. One per thread: it keeps its buffers between commits.
pub(super) struct Differ<'r> {
    repo: &'r gix::Repository,
    buffers: Vec<Vec<u8>>,
    path: BString,
}

impl<'r> Differ<'r> {
    /// A differ reading trees from `repo`.
    pub fn new(repo: &'r gix::Repository) -> Self {
        Differ {
            repo,
            buffers: Vec::new(),
            path: BString::default(),
        }
    }

    /// Collects the (path, blob) pairs of `tree` that none of `parents` has at the same path:
    /// what a commit with that tree and those parent trees introduced.
    pub fn introduced(
        &mut self,
        tree: &gix::oid,
        parents: &[ObjectId],
        out: &mut Vec<Introduced>,
        problems: &mut DiffProblems,
    ) {
        self.path.clear();
        let parents: Vec<Option<ObjectId>> = parents.iter().copied().map(Some).collect();
        self.walk(tree, &parents, out, problems, 0);
    }

    fn read(&mut self, id: &gix::oid) -> Option<Vec<u8>> {
        let mut buf = self.buffers.pop().unwrap_or_default();
        match self.repo.objects.try_find(id, &mut buf) {
            Ok(Some(data)) if data.kind == gix::objs::Kind::Tree => Some(buf),
            _ => {
                self.buffers.push(buf);
                None
            }
        }
    }

    fn walk(
        &mut self,
        tree: &gix::oid,
        parents: &[Option<ObjectId>],
        out: &mut Vec<Introduced>,
        problems: &mut DiffProblems,
        depth: usize,
    ) {
        if parents.iter().any(|p| p.as_deref() == Some(tree)) {
            return;
        }
        if depth > MAX_DEPTH {
            problems.too_deep += 1;
            return;
        }
        let hash = self.repo.object_hash();
        let Some(own) = self.read(tree) else {
            problems.unreadable_trees.push(tree.to_owned());
            return;
        };
        let parent_bufs: Vec<Option<Vec<u8>>> = parents.iter().map(|p| p.and_then(|id| self.read(&id))).collect();
        // Subtrees to visit after this level: (name, tree id, the parents' trees there).
        let mut subtrees: Vec<(BString, ObjectId, Vec<Option<ObjectId>>)> = Vec::new();
        if let Some(entries) = parse(&own, hash) {
            let parent_entries: Vec<Vec<RawEntry<'_>>> = parent_bufs
                .iter()
                .map(|b| b.as_deref().and_then(|b| parse(b, hash)).unwrap_or_default())
                .collect();
            let mut cursors = vec![0usize; parent_entries.len()];
            for entry in &entries {
                let mut same: Vec<Option<RawEntry<'_>>> = Vec::with_capacity(parent_entries.len());
                for (list, cursor) in parent_entries.iter().zip(cursors.iter_mut()) {
                    while *cursor < list.len() && git_order(&list[*cursor], entry) == Ordering::Less {
                        *cursor += 1;
                    }
                    same.push(
                        list.get(*cursor)
                            .filter(|p| git_order(p, entry) == Ordering::Equal)
                            .copied(),
                    );
                }
                if same
                    .iter()
                    .any(|p| p.is_some_and(|p| p.id == entry.id && p.is_tree == entry.is_tree))
                {
                    continue;
                }
                if entry.is_tree {
                    let sub_parents = same.iter().map(|p| p.map(|p| p.id.to_owned())).collect();
                    subtrees.push((entry.name.into(), entry.id.to_owned(), sub_parents));
                } else if entry.is_blob {
                    let mut path = self.path.clone();
                    if !path.is_empty() {
                        path.push_byte(b'/');
                    }
                    path.push_str(entry.name);
                    out.push(Introduced {
                        path,
                        blob: entry.id.to_owned(),
                        previous: same
                            .iter()
                            .filter_map(|p| p.filter(|p| p.is_blob).map(|p| p.id.to_owned()))
                            .collect(),
                    });
                }
            }
        } else {
            problems.unreadable_trees.push(tree.to_owned());
        }
        self.buffers.push(own);
        self.buffers.extend(parent_bufs.into_iter().flatten());
        for (name, id, sub_parents) in subtrees {
            let before = self.path.len();
            if !self.path.is_empty() {
                self.path.push_byte(b'/');
            }
            self.path.push_str(&name);
            self.walk(&id, &sub_parents, out, problems, depth + 1);
            self.path.truncate(before);
        }
    }
}

/// The blob at `path` in `tree`, if any.
pub(super) fn blob_at(repo: &gix::Repository, tree: ObjectId, path: &[u8]) -> Option<ObjectId> {
    let mut buf = Vec::new();
    let mut current = tree;
    let mut components = path.split_str("/").peekable();
    while let Some(component) = components.next() {
        let entries = read_tree(repo, &current, &mut buf)?;
        let entry = entries.into_iter().find(|e| e.name.as_slice() == component)?;
        if components.peek().is_none() {
            return entry.is_blob.then_some(entry.id);
        }
        if !entry.is_tree {
            return None;
        }
        current = entry.id;
    }
    None
}
