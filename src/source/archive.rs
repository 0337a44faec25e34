//! Archives (zip and its kin jar/whl/apk, tar, tar.gz/tgz, gz): members are scanned as if
//! they were files, named `outer.zip!inner/dir/.env`, nested up to a depth limit.
//!
//! Archives are hostile input: a zip bomb expands a few kilobytes into terabytes, a deeply
//! nested archive recurses forever. Every member is read through a byte budget and every
//! archive through a member budget; whatever exceeds them is a counted skip, never an outage.

use std::io::{Cursor, Read};

use crate::scan::{BlobScanner, SkipReason};

/// Default nesting depth: an archive inside an archive inside an archive is still opened.
pub const DEFAULT_MAX_DEPTH: usize = 3;
/// Total bytes one top-level archive may expand to.
pub const DEFAULT_MAX_EXPANDED: u64 = 256 * 1024 * 1024;
/// Members one archive may hold before the rest are skipped.
pub const DEFAULT_MAX_MEMBERS: usize = 10_000;

/// How far archive expansion may go.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// Nesting depth (0: archives are not opened and count as binary).
    pub max_depth: usize,
    /// Largest member, in bytes (the scan's `--max-file-size`).
    pub max_member: u64,
    /// Bytes all members of one top-level archive may expand to together.
    pub max_expanded: u64,
    /// Members per archive.
    pub max_members: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_member: crate::scan::DEFAULT_MAX_FILE_SIZE,
            max_expanded: DEFAULT_MAX_EXPANDED,
            max_members: DEFAULT_MAX_MEMBERS,
        }
    }
}

/// Container formats recognised by their first bytes (never by name alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Gzip,
    Tar,
}

/// Recognises an archive from its first bytes (at least 262 are needed for tar).
pub fn kind_of(head: &[u8]) -> Option<ArchiveKind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ArchiveKind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(ArchiveKind::Gzip)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// Where one archive expansion stands: shared budget across nesting levels.
struct Expansion<'s, 'a> {
    scanner: &'s BlobScanner<'a>,
    limits: ArchiveLimits,
    expanded: u64,
}

/// Scans the members of the archive `bytes` (shown as `origin`). Problems are counted as
/// skips against `origin!member`; nothing here panics on malformed input.
pub fn scan_archive(scanner: &BlobScanner<'_>, origin: &str, bytes: &[u8], kind: ArchiveKind, limits: ArchiveLimits) {
    let mut expansion = Expansion {
        scanner,
        limits,
        expanded: 0,
    };
    expansion.archive(origin, bytes, kind, 1);
}

impl Expansion<'_, '_> {
    fn skip(&self, reason: SkipReason, path: &str, detail: String) {
        self.scanner.counters.skip(reason, path, Some(detail));
    }

    fn archive(&mut self, origin: &str, bytes: &[u8], kind: ArchiveKind, depth: usize) {
        match kind {
            ArchiveKind::Zip => self.zip(origin, bytes, depth),
            ArchiveKind::Tar => self.tar(origin, Cursor::new(bytes), depth),
            ArchiveKind::Gzip => self.gzip(origin, bytes, depth),
        }
    }

    /// Reads at most the remaining budget from `reader`; `None` (and a counted skip) when the
    /// member is larger than a member may be or than what is left of the archive's budget.
    fn read_member(&mut self, name: &str, reader: &mut dyn Read) -> Option<Vec<u8>> {
        let left = self.limits.max_expanded.saturating_sub(self.expanded);
        let cap = self.limits.max_member.min(left);
        let mut data = Vec::new();
        match reader.take(cap.saturating_add(1)).read_to_end(&mut data) {
            Ok(_) if data.len() as u64 > cap => {
                let which = if cap == self.limits.max_member {
                    format!("member expands past the {}-byte member limit", self.limits.max_member)
                } else {
                    format!(
                        "archive expands past its {}-byte budget (a zip bomb?)",
                        self.limits.max_expanded
                    )
                };
                self.skip(SkipReason::ArchiveLimit, name, which);
                self.expanded = self.expanded.saturating_add(data.len() as u64);
                None
            }
            Ok(_) => {
                self.expanded += data.len() as u64;
                Some(data)
            }
            Err(e) => {
                self.skip(SkipReason::Corrupt, name, format!("cannot decompress: {e}"));
                None
            }
        }
    }

    /// Scans one member's content: a nested archive, binary data or text.
    fn member(&mut self, name: &str, data: &[u8], depth: usize) {
        if let Some(kind) = kind_of(data) {
            if depth < self.limits.max_depth {
                self.archive(name, data, kind, depth + 1);
            } else {
                self.skip(
                    SkipReason::ArchiveLimit,
                    name,
                    format!("archive nested deeper than {} levels", self.limits.max_depth),
                );
            }
            return;
        }
        if BlobScanner::is_binary(data) {
            self.scanner.counters.skip(SkipReason::Binary, name, None);
            return;
        }
        let mut scratch = crate::engine::Scratch::new();
        let mut matches = Vec::new();
        self.scanner.scan(name, data, &mut scratch, &mut matches);
    }

    fn zip(&mut self, origin: &str, bytes: &[u8], depth: usize) {
        let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => archive,
            Err(e) => {
                self.skip(SkipReason::Corrupt, origin, format!("not a readable zip archive: {e}"));
                return;
            }
        };
        let count = archive.len();
        for index in 0..count {
            if index >= self.limits.max_members {
                self.skip(
                    SkipReason::ArchiveLimit,
                    origin,
                    format!(
                        "{} members beyond the {}-member limit were not scanned",
                        count - index,
                        self.limits.max_members
                    ),
                );
                return;
            }
            let mut file = match archive.by_index(index) {
                Ok(file) => file,
                Err(e) => {
                    self.skip(
                        SkipReason::Corrupt,
                        &format!("{origin}!#{index}"),
                        format!("unreadable member: {e}"),
                    );
                    continue;
                }
            };
            if file.is_dir() {
                continue;
            }
            let member = file
                .name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(file.name_raw()).into_owned());
            let name = format!("{origin}!{member}");
            if let Some(data) = self.read_member(&name, &mut file) {
                drop(file);
                self.member(&name, &data, depth);
            }
            if self.expanded >= self.limits.max_expanded {
                return;
            }
        }
    }

    fn tar(&mut self, origin: &str, reader: impl Read, depth: usize) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(e) => {
                self.skip(SkipReason::Corrupt, origin, format!("not a readable tar archive: {e}"));
                return;
            }
        };
        for (index, entry) in entries.enumerate() {
            if index >= self.limits.max_members {
                self.skip(
                    SkipReason::ArchiveLimit,
                    origin,
                    format!(
                        "members beyond the {}-member limit were not scanned",
                        self.limits.max_members
                    ),
                );
                return;
            }
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.skip(SkipReason::Corrupt, origin, format!("damaged tar entry: {e}"));
                    return;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let member = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| format!("#{index}"));
            let name = format!("{origin}!{member}");
            if let Some(data) = self.read_member(&name, &mut entry) {
                self.member(&name, &data, depth);
            }
            if self.expanded >= self.limits.max_expanded {
                return;
            }
        }
    }

    fn gzip(&mut self, origin: &str, bytes: &[u8], depth: usize) {
        let mut decoder = flate2::read::GzDecoder::new(bytes);
        let inner = decoder
            .header()
            .and_then(|h| h.filename())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_else(|| default_inner_name(origin));
        let name = format!("{origin}!{inner}");
        let Some(data) = self.read_member(&name, &mut decoder) else {
            return;
        };
        if kind_of(&data) == Some(ArchiveKind::Tar) {
            // A .tar.gz is one archive, not two levels of nesting.
            self.tar(origin, Cursor::new(data), depth);
        } else {
            self.member(&name, &data, depth);
        }
    }
}

/// The name a .gz member gets when its header does not carry one: the outer name minus `.gz`.
fn default_inner_name(origin: &str) -> String {
    let base = origin.rsplit(['/', '!']).next().unwrap_or(origin);
    base.strip_suffix(".gz")
        .or_else(|| base.strip_suffix(".tgz"))
        .unwrap_or(base)
        .to_string()
}
