use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
#[derive(Debug, Clone)]
pub struct CloneAuth {
    pub host: String,
    pub token: String,
}
pub struct SyncOutcome {
    pub path: PathBuf,
    pub cloned: bool,
}
#[derive(Debug, thiserror::Error)]
pub enum CloneError {
    #[error("x")]
    X,
}
pub fn sync_bare(
    _url: &str,
    _cache_root: &Path,
    _auth: Option<&CloneAuth>,
    _i: &AtomicBool,
) -> Result<SyncOutcome, CloneError> {
    todo!()
}
