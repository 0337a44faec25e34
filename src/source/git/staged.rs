//! `--staged`: what the index holds that HEAD does not — the content a `git commit` would
//! record now. Works before the first commit (everything staged is new).

use std::collections::HashMap;

use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::ObjectId;

use super::attribute::{thread_repo, Place};
use super::range::scan_places;
use super::tree::read_tree;
use super::{GitCoverage, GitError, GitOptions};
use crate::finding::Finding;
use crate::scan::BlobScanner;

/// Scans the blobs staged in the index that differ from HEAD at the same path.
pub(super) fn scan(
    repo: &gix::ThreadSafeRepository,
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    coverage: &mut GitCoverage,
) -> Result<Vec<Finding>, GitError> {
    let local = thread_repo(repo);
    // `git commit -a` and `git commit PATH` stage into a temporary index and name it in
    // GIT_INDEX_FILE for the hooks they run: that index is what is about to be committed.
    let alternate = match std::env::var_os("GIT_INDEX_FILE").filter(|p| !p.is_empty()) {
        Some(path) => Some(
            gix::index::File::at(
                std::path::PathBuf::from(path),
                local.object_hash(),
                false,
                Default::default(),
            )
            .map_err(|e| GitError::Index(format!("GIT_INDEX_FILE: {e}")))?,
        ),
        None => None,
    };
    let default_index;
    let index: &gix::index::File = match &alternate {
        Some(index) => index,
        None => {
            default_index = local.index_or_empty().map_err(|e| GitError::Index(e.to_string()))?;
            &default_index
        }
    };
    let head = local
        .head_tree_id()
        .ok()
        .map(|id| head_blobs(&local, id.detach()))
        .unwrap_or_default();
    let mut places = Vec::new();
    for entry in index.entries() {
        if entry.stage() != gix::index::entry::Stage::Unconflicted
            || entry.flags.contains(gix::index::entry::Flags::INTENT_TO_ADD)
            || !(entry.mode.contains(gix::index::entry::Mode::FILE) || entry.mode == gix::index::entry::Mode::SYMLINK)
        {
            continue;
        }
        let path = entry.path(index);
        let in_head = head.get(path.as_bytes());
        if in_head == Some(&entry.id) {
            continue;
        }
        places.push(Place {
            commit: None,
            path: path.to_owned(),
            blob: entry.id,
            previous: in_head.copied().into_iter().collect(),
        });
    }
    coverage.refs = 0;
    coverage.commits = 0;
    Ok(scan_places(repo, &local, scanner, options, places, true))
}

/// Path to blob id for every file of HEAD's tree.
fn head_blobs(repo: &gix::Repository, tree: ObjectId) -> HashMap<BString, ObjectId> {
    let mut out = HashMap::new();
    let mut buf = Vec::new();
    let mut stack = vec![(BString::default(), tree)];
    while let Some((prefix, tree)) = stack.pop() {
        let Some(entries) = read_tree(repo, &tree, &mut buf) else {
            continue;
        };
        for entry in entries {
            let mut path = prefix.clone();
            if !path.is_empty() {
                path.push_byte(b'/');
            }
            path.push_str(&entry.name);
            if entry.is_tree {
                stack.push((path, entry.id));
            } else if entry.is_blob {
                out.insert(path, entry.id);
            }
        }
    }
    out
}
