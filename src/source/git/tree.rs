//! Tree reading and the "what did this commit introduce" diff shared by every git mode.

use std::collections::HashMap;

use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::objs::{Find, TreeRefIter};
use gix::ObjectId;

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
    parse_tree(data.data, repo.object_hash())
}

/// Parses raw tree bytes into entries; `None` when they are malformed.
pub(super) fn parse_tree(data: &[u8], hash: gix::hash::Kind) -> Option<Vec<Entry>> {
    TreeRefIter::from_bytes(data, hash)
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
}

/// Counts of trees that could not be read while diffing.
#[derive(Debug, Default)]
pub(super) struct DiffProblems {
    pub unreadable_trees: Vec<ObjectId>,
}

/// Collects the (path, blob) pairs of `tree` that none of `parents` has: what a commit with
/// that tree and those parent trees introduced. Subtrees equal to a parent's are skipped
/// without being read; `want_tree` prunes subtrees that cannot hold anything of interest and
/// `want_blob` selects the blobs to report.
pub(super) fn introduced(
    repo: &gix::Repository,
    tree: ObjectId,
    parents: &[ObjectId],
    want_tree: &dyn Fn(&gix::oid) -> bool,
    want_blob: &dyn Fn(&gix::oid) -> bool,
    out: &mut Vec<Introduced>,
    problems: &mut DiffProblems,
) {
    let mut buf = Vec::new();
    // Work list of (path prefix, tree, the parents' trees at the same path).
    let mut stack: Vec<(BString, ObjectId, Vec<Option<ObjectId>>)> =
        vec![(BString::default(), tree, parents.iter().copied().map(Some).collect())];
    while let Some((prefix, tree, parent_trees)) = stack.pop() {
        if parent_trees.contains(&Some(tree)) || !want_tree(&tree) {
            continue;
        }
        let Some(entries) = read_tree(repo, &tree, &mut buf) else {
            problems.unreadable_trees.push(tree);
            continue;
        };
        let parent_entries: Vec<HashMap<BString, Entry>> = parent_trees
            .iter()
            .map(|p| {
                p.and_then(|id| read_tree(repo, &id, &mut buf))
                    .map(|entries| entries.into_iter().map(|e| (e.name.clone(), e)).collect())
                    .unwrap_or_default()
            })
            .collect();
        for entry in entries {
            let same_name: Vec<Option<&Entry>> = parent_entries.iter().map(|m| m.get(&entry.name)).collect();
            let mut path = prefix.clone();
            if !path.is_empty() {
                path.push_byte(b'/');
            }
            path.push_str(&entry.name);
            if entry.is_tree {
                let sub_parents = same_name
                    .iter()
                    .map(|e| e.filter(|e| e.is_tree).map(|e| e.id))
                    .collect();
                stack.push((path, entry.id, sub_parents));
            } else if entry.is_blob
                && want_blob(&entry.id)
                && same_name.iter().all(|e| e.is_none_or(|e| e.id != entry.id))
            {
                out.push(Introduced { path, blob: entry.id });
            }
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
