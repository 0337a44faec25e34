//! A fixture organization for audit tests: a dozen repositories built with the git CLI (tests
//! may run git; leakhound never does), with forks sharing history, secrets on branches and in
//! deleted files, a bare clone, and clean repositories. Every secret is generated here at run
//! time; the test knows each one and where it was planted.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A planted secret: the value and the repositories (directory names) that must report it.
#[derive(Debug, Clone)]
pub struct Planted {
    pub secret: String,
    pub repositories: Vec<&'static str>,
    pub path: &'static str,
}

/// The organization on disk and what was planted in it.
pub struct Org {
    pub dir: TempDir,
    pub planted: Vec<Planted>,
}

/// A 30-character alphanumeric string from `seed`, different for every seed.
pub fn random30(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..30)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ALPHABET[((state >> 33) % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// A fake GitHub token for `seed`.
pub fn token(seed: u64) -> String {
    super::github_token(&random30(seed))
}

impl Org {
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("org")
    }

    pub fn repo(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    /// Builds the organization; with `big`, adds `platform/big-monorepo` holding about
    /// `big` megabytes of text, so that an audit spends noticeable time inside it.
    pub fn build(big: Option<usize>) -> Org {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("org");
        let mut planted = Vec::new();

        let app = root.join("platform/app");
        init(&app);
        let token_a = token(1);
        commit(
            &app,
            &[
                ("README.md", "# app\n".into()),
                ("config/settings.env", format!("GITHUB_TOKEN={token_a}\n")),
            ],
            "add settings",
            "2023-01-15T10:00:00Z",
        );
        remove(&app, "config/settings.env", "remove settings", "2023-03-10T10:00:00Z");
        git(&app, &["checkout", "-q", "-b", "feature/payments"]);
        let token_b = token(2);
        commit(
            &app,
            &[("payments/.env", format!("PAYMENTS_GH_TOKEN={token_b}\n"))],
            "payments config",
            "2023-05-02T10:00:00Z",
        );
        git(&app, &["checkout", "-q", "main"]);
        commit(
            &app,
            &[("src/main.rs", "fn main() {}\n".into())],
            "code",
            "2023-06-01T10:00:00Z",
        );
        planted.push(Planted {
            secret: token_a,
            repositories: vec!["app", "app-fork1", "app-fork2.git"],
            path: "config/settings.env",
        });
        planted.push(Planted {
            secret: token_b,
            repositories: vec!["app", "app-fork1", "app-fork2.git"],
            path: "payments/.env",
        });

        let fork1 = root.join("forks/app-fork1");
        clone(&app, &fork1, false);
        let token_c = token(3);
        commit(
            &fork1,
            &[("deploy.sh", format!("export GH_TOKEN={token_c}\n"))],
            "deploy script",
            "2024-02-01T10:00:00Z",
        );
        planted.push(Planted {
            secret: token_c,
            repositories: vec!["app-fork1"],
            path: "deploy.sh",
        });
        clone(&app, &root.join("forks/app-fork2.git"), true);

        if let Some(megabytes) = big {
            let repo = root.join("platform/big-monorepo");
            init(&repo);
            let token_big = token(99);
            let mut files: Vec<(String, String)> = Vec::new();
            let line = "let value = compute(alpha, beta, gamma) + offset * scale; // arithmetic only\n";
            for n in 0..(megabytes * 16) {
                let body: String = (0..(65536 / line.len())).map(|i| format!("{n}:{i} {line}")).collect();
                files.push((format!("src/module_{n:04}.rs"), body));
            }
            files.push(("ci/secrets.txt".into(), format!("token: {token_big}\n")));
            let refs: Vec<(&str, String)> = files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
            commit(&repo, &refs, "monorepo import", "2023-08-01T10:00:00Z");
            planted.push(Planted {
                secret: token_big,
                repositories: vec!["big-monorepo"],
                path: "ci/secrets.txt",
            });
        }

        for n in 1..=8u64 {
            let name: &'static str = Box::leak(format!("svc-{n:02}").into_boxed_str());
            let repo = root.join("services").join(name);
            init(&repo);
            let month = n;
            commit(
                &repo,
                &[("README.md", format!("# {name}\n"))],
                "init",
                &format!("2023-{month:02}-01T09:00:00Z"),
            );
            if n <= 6 {
                let secret = token(100 + n);
                commit(
                    &repo,
                    &[("app.cfg", format!("[github]\ntoken = {secret}\n"))],
                    "config",
                    &format!("2023-{month:02}-02T09:00:00Z"),
                );
                planted.push(Planted {
                    secret,
                    repositories: vec![name],
                    path: "app.cfg",
                });
            }
            commit(
                &repo,
                &[("src/lib.rs", format!("pub fn id() -> u32 {{ {n} }}\n"))],
                "code",
                &format!("2023-{month:02}-03T09:00:00Z"),
            );
        }
        Org { dir, planted }
    }
}

/// Runs git in `dir` and panics with its output when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = super::git_command(dir, dir, "2023-01-01T00:00:00Z")
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

pub fn init(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    git(dir, &["init", "-q"]);
}

fn clone(from: &Path, to: &Path, bare: bool) {
    let parent = to.parent().expect("parent");
    std::fs::create_dir_all(parent).expect("mkdir");
    let mut args = vec!["clone", "-q"];
    if bare {
        args.push("--bare");
    }
    let from = from.to_string_lossy().into_owned();
    let to = to.to_string_lossy().into_owned();
    args.push(&from);
    args.push(&to);
    git(parent, &args);
}

/// Writes `files` and commits them with `date` as author and committer date.
pub fn commit(dir: &Path, files: &[(&str, String)], message: &str, date: &str) {
    for (path, content) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
    let status = super::git_command(dir, dir, date)
        .args(["add", "-A"])
        .status()
        .expect("git add");
    assert!(status.success());
    let output = super::git_command(dir, dir, date)
        .args(["commit", "-q", "-m", message])
        .output()
        .expect("git commit");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn remove(dir: &Path, path: &str, message: &str, date: &str) {
    std::fs::remove_file(dir.join(path)).expect("remove");
    commit(dir, &[], message, date);
}
