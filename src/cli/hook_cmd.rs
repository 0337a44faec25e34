//! Git hooks: `leakhound install-hook` writes a pre-commit or pre-push hook into a repository,
//! and `leakhound hook pre-commit|pre-push` is what those hooks (and the pre-commit framework,
//! see `.pre-commit-hooks.yaml`) run. The repository is read with gix; git is never run.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use super::{Cli, Command, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};

/// Marks a hook file as written by leakhound, so that reinstalling may replace it.
const MARKER: &str = "# installed by leakhound install-hook";

/// Arguments of `leakhound install-hook`.
#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// Install a pre-push hook (scans the commits being pushed) instead of a pre-commit hook.
    #[arg(long)]
    pub pre_push: bool,
    /// Replace an existing hook that leakhound did not write; it is kept as `<hook>.backup`.
    #[arg(long)]
    pub force: bool,
    /// The repository (any directory inside its work tree, or its git directory).
    #[arg(default_value = ".")]
    pub repo: PathBuf,
}

/// `leakhound hook`: the checks that installed hooks run.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Scan what is staged and block the commit on findings.
    PreCommit(HookArgs),
    /// Scan the commits being pushed and block the push on findings. Reads git's pre-push lines
    /// on standard input, or PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF from the pre-commit framework.
    PrePush(HookArgs),
}

/// Arguments shared by the hook checks.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// Extra `leakhound git` arguments, e.g. `--baseline FILE` or `--rules DIR`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "GIT_ARGS")]
    pub git_args: Vec<String>,
}

/// Installs a hook and returns the exit code.
pub fn install(args: InstallHookArgs) -> anyhow::Result<u8> {
    let repo =
        gix::discover(&args.repo).with_context(|| format!("{} is not inside a git repository", args.repo.display()))?;
    let hooks = hooks_dir(&repo)?;
    let name = if args.pre_push { "pre-push" } else { "pre-commit" };
    let path = hooks.join(name);
    let exe = std::env::current_exe().context("cannot locate the leakhound binary")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let script = hook_script(&exe, name)?;

    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.contains(MARKER) {
            if !args.force {
                anyhow::bail!(
                    "{} already exists and was not written by leakhound; rerun with --force to replace \
                     it (it is kept as {name}.backup), or add `{} hook {name}` to it yourself",
                    path.display(),
                    exe.display()
                );
            }
            let backup = (0..)
                .map(|n| match n {
                    0 => hooks.join(format!("{name}.backup")),
                    n => hooks.join(format!("{name}.backup.{n}")),
                })
                .find(|candidate| !candidate.exists())
                .context("no free name for a backup of the existing hook")?;
            std::fs::rename(&path, &backup)
                .with_context(|| format!("cannot move {} to {}", path.display(), backup.display()))?;
            eprintln!("leakhound: the previous {name} hook is now {}", backup.display());
        }
    } else if path.exists() {
        anyhow::bail!("{} exists but cannot be read as a script", path.display());
    }

    std::fs::create_dir_all(&hooks).with_context(|| format!("cannot create {}", hooks.display()))?;
    std::fs::write(&path, script).with_context(|| format!("cannot write {}", path.display()))?;
    make_executable(&path)?;
    eprintln!("leakhound: installed the {name} hook at {}", path.display());
    Ok(EXIT_CLEAN)
}

/// The hooks directory git will use. `core.hooksPath` is honoured only inside the git directory:
/// a hooks directory in the work tree is usually committed (and would then carry this machine's
/// binary path to everyone), and one outside the repository is shared with other repositories,
/// so leakhound refuses both and says what to add instead.
fn hooks_dir(repo: &gix::Repository) -> anyhow::Result<PathBuf> {
    let common = repo.common_dir().to_path_buf();
    let default = common.join("hooks");
    let Some(configured) = repo.config_snapshot().string("core.hooksPath") else {
        return Ok(default);
    };
    let configured = PathBuf::from(configured.to_string());
    let base = repo.workdir().unwrap_or(repo.git_dir());
    let resolved = if configured.is_absolute() {
        configured.clone()
    } else {
        base.join(&configured)
    };
    let common = common.canonicalize().unwrap_or(common);
    let inside_git_dir = resolved
        .canonicalize()
        .ok()
        .or_else(|| Some(resolved.parent()?.canonicalize().ok()?.join(resolved.file_name()?)))
        .is_some_and(|path| path.starts_with(&common));
    if inside_git_dir {
        return Ok(resolved);
    }
    anyhow::bail!(
        "core.hooksPath is set to {}, outside the repository's git directory: leakhound does not \
         write hooks there (they may be committed or shared with other repositories). Add \
         `leakhound hook pre-commit` (or `leakhound hook pre-push`) to the hook there, or use the \
         pre-commit framework (see .pre-commit-hooks.yaml)",
        configured.display()
    )
}

/// The hook file: a POSIX shell script that runs this binary's hook check by absolute path.
fn hook_script(exe: &Path, name: &str) -> anyhow::Result<String> {
    let exe = exe
        .to_str()
        .with_context(|| format!("the path of leakhound is not valid UTF-8: {}", exe.display()))?;
    if exe.contains('\'') {
        anyhow::bail!("the path of leakhound contains a single quote: {exe}");
    }
    Ok(format!(
        "#!/bin/sh\n{MARKER}\n# Blocks the {} when leakhound finds a secret.\nexec '{exe}' hook {name}\n",
        if name == "pre-push" { "push" } else { "commit" }
    ))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Runs a hook check and returns the exit code (non-zero blocks the commit or push).
pub fn run(command: HookCommand) -> anyhow::Result<u8> {
    let (code, action) = match command {
        HookCommand::PreCommit(args) => (scan(&["--staged"], &args.git_args), "commit"),
        HookCommand::PrePush(args) => (pre_push(&args.git_args), "push"),
    };
    match code {
        Ok(EXIT_CLEAN) => Ok(EXIT_CLEAN),
        Ok(EXIT_ERROR) | Err(_) => {
            if let Err(error) = &code {
                eprintln!("leakhound: error: {error:#}");
            }
            eprintln!(
                "leakhound: the {action} is blocked because the check could not run (see the error above).\n\
                 To {action} without the check: git {action} --no-verify"
            );
            Ok(EXIT_ERROR)
        }
        Ok(_) => {
            eprintln!("{}", blocked_message(action));
            Ok(EXIT_FINDINGS)
        }
    }
}

/// What to do next, printed under the (redacted) findings of a blocked commit or push.
fn blocked_message(action: &str) -> String {
    let undo = if action == "push" {
        "Remove it from the commits being pushed (git commit --amend, or git rebase -i), then push again;\n   \
         rotate it if it ever left this machine."
    } else {
        "Remove it from the file, stage the change, and commit again."
    };
    format!(
        "\nleakhound: {action} blocked: the secret(s) above would be {}.\n \
         - {undo}\n \
         - A false positive or a test value? Add a `leakhound:allow` comment on that line, or list its\n   \
         fingerprint in a baseline (leakhound baseline create -o FILE, then --baseline FILE).\n \
         - Last resort, skipping the check: git {action} --no-verify",
        if action == "push" { "pushed" } else { "committed" }
    )
}

/// Runs `leakhound git` on the current repository with `selection`, redacted, plus the user's
/// extra arguments; returns its exit code.
fn scan(selection: &[&str], extra: &[String]) -> anyhow::Result<u8> {
    let mut argv: Vec<String> = ["leakhound", "git", ".", "--redact", "--quiet"]
        .into_iter()
        .chain(selection.iter().copied())
        .map(String::from)
        .collect();
    argv.extend(extra.iter().cloned());
    match Cli::try_parse_from(&argv) {
        Ok(Cli {
            command: Command::Git(args),
        }) => super::git_cmd::run(args),
        Ok(_) => anyhow::bail!("internal error: not a git command"),
        Err(error) => anyhow::bail!("invalid hook arguments {extra:?}: {error}"),
    }
}

/// What a pre-push check scans: one entry per pushed ref.
#[derive(Debug, PartialEq, Eq)]
enum PushedRef {
    /// The remote already has `remote`: scan `remote..local`.
    Update { remote: String, local: String },
    /// A new branch (or a remote tip this clone does not have): scan what no remote-tracking
    /// ref already holds.
    New { local: String },
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// Parses git's pre-push input: `<local ref> <local sha> <remote ref> <remote sha>` per line;
/// deleted refs (an all-zero local sha) are skipped.
fn parse_push_lines(input: &str) -> Vec<PushedRef> {
    input
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [_, local, _, remote] = fields.as_slice() else {
                return None;
            };
            push_entry(remote, local)
        })
        .collect()
}

fn push_entry(remote: &str, local: &str) -> Option<PushedRef> {
    if local.is_empty() || is_zero(local) {
        return None;
    }
    Some(if remote.is_empty() || is_zero(remote) {
        PushedRef::New {
            local: local.to_string(),
        }
    } else {
        PushedRef::Update {
            remote: remote.to_string(),
            local: local.to_string(),
        }
    })
}

/// The pushed refs, from the pre-commit framework's environment or git's standard input.
fn pushed_refs() -> anyhow::Result<Vec<PushedRef>> {
    let from = std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default();
    let to = std::env::var("PRE_COMMIT_TO_REF").unwrap_or_default();
    if !to.is_empty() {
        return Ok(push_entry(&from, &to).into_iter().collect());
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        anyhow::bail!("no pushed refs: run this from a pre-push hook (git passes them on standard input)");
    }
    let mut input = String::new();
    for line in stdin.lock().lines() {
        input.push_str(&line.context("reading the pre-push input")?);
        input.push('\n');
    }
    Ok(parse_push_lines(&input))
}

fn pre_push(extra: &[String]) -> anyhow::Result<u8> {
    let refs = pushed_refs()?;
    let repo = open_isolated()?;
    let mut worst = EXIT_CLEAN;
    for pushed in refs {
        let range = match &pushed {
            PushedRef::Update { remote, local } if has_commit(&repo, remote) => Some(format!("{remote}..{local}")),
            PushedRef::Update { local, .. } | PushedRef::New { local } => {
                new_commits_base(&repo, local)?.map(|base| format!("{base}..{local}"))
            }
        };
        let code = match range {
            Some(range) => scan(&["--range", &range], extra)?,
            None => {
                let local = match &pushed {
                    PushedRef::Update { local, .. } | PushedRef::New { local } => local,
                };
                scan(&["--branch", local], extra)?
            }
        };
        worst = match (worst, code) {
            (EXIT_ERROR, _) | (_, EXIT_ERROR) => EXIT_ERROR,
            (EXIT_CLEAN, code) => code,
            (worst, _) => worst,
        };
    }
    Ok(worst)
}

/// Opens the repository in the current directory without reading user or system configuration.
fn open_isolated() -> anyhow::Result<gix::Repository> {
    let trust = gix::sec::trust::Mapping {
        full: gix::open::Options::isolated(),
        reduced: gix::open::Options::isolated(),
    };
    let repo = gix::ThreadSafeRepository::discover_opts(".", Default::default(), trust)
        .context("the current directory is not inside a git repository")?;
    Ok(repo.to_thread_local())
}

fn has_commit(repo: &gix::Repository, rev: &str) -> bool {
    repo.rev_parse_single(rev)
        .ok()
        .and_then(|id| id.object().ok())
        .is_some_and(|object| object.peel_to_commit().is_ok())
}

/// For a branch the remote does not have yet: the commit from which the new commits start, i.e.
/// the parent of the new commits that some remote-tracking ref already holds. `None` when the
/// new commits share no history with any remote-tracking ref (the whole history is new). With
/// several such parents (a branch merging two remote branches) the newest is taken, which may
/// rescan commits the remote already has but never skips a new one.
fn new_commits_base(repo: &gix::Repository, local: &str) -> anyhow::Result<Option<gix::ObjectId>> {
    let tip = repo
        .rev_parse_single(local)
        .with_context(|| format!("cannot resolve the pushed commit {local}"))?
        .detach();
    let mut known = Vec::new();
    for reference in repo.references()?.remote_branches()?.flatten() {
        let mut reference = reference;
        if let Ok(id) = reference.peel_to_id() {
            known.push(id.detach());
        }
    }
    if known.is_empty() {
        return Ok(None);
    }
    let walk = repo
        .rev_walk([tip])
        .with_hidden(known)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
        .all()?;
    let mut new = std::collections::HashSet::new();
    let mut parents = Vec::new();
    for info in walk {
        let info = info?;
        new.insert(info.id);
        parents.extend(info.parent_ids.iter().copied());
    }
    if new.is_empty() {
        return Ok(Some(tip));
    }
    let mut boundary: Vec<(i64, gix::ObjectId)> = parents
        .into_iter()
        .filter(|id| !new.contains(id))
        .filter_map(|id| Some((repo.find_commit(id).ok()?.time().ok()?.seconds, id)))
        .collect();
    boundary.sort();
    Ok(boundary.last().map(|(_, id)| *id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn pre_push_lines_skip_deletions_and_mark_new_branches() {
        let input = format!(
            "refs/heads/main {B} refs/heads/main {A}\nrefs/heads/new {B} refs/heads/new {Z}\n(delete) {Z} refs/heads/old {A}\nbad line\n"
        );
        assert_eq!(
            parse_push_lines(&input),
            vec![
                PushedRef::Update {
                    remote: A.into(),
                    local: B.into()
                },
                PushedRef::New { local: B.into() },
            ]
        );
    }

    #[test]
    fn hook_script_runs_this_binary_by_absolute_path() {
        let script = hook_script(Path::new("/opt/bin/leakhound"), "pre-push").expect("valid path");
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains(MARKER));
        assert!(script.contains("exec '/opt/bin/leakhound' hook pre-push\n"));
        assert!(hook_script(Path::new("/tmp/it's/leakhound"), "pre-commit").is_err());
    }
}
