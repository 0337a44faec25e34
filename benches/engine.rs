//! Engine throughput in MB/s: keyword prefilter + windowed regexes + filters over a realistic
//! blob (this crate's own sources repeated, with credentials sprinkled in), and over text that
//! holds no keyword at all (the prefilter's best case).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use leakhound::engine::{scan, Scratch};
use leakhound::rules::{load_builtin, RuleSet};

const TARGET_LEN: usize = 16 * 1024 * 1024;

fn source_like_blob() -> Vec<u8> {
    let mut seed = Vec::new();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut stack = vec![std::path::PathBuf::from(src)];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                seed.extend(std::fs::read(&path).unwrap());
            }
        }
    }
    let mut blob = Vec::with_capacity(TARGET_LEN + seed.len());
    let mut round = 0u32;
    while blob.len() < TARGET_LEN {
        blob.extend_from_slice(&seed);
        // A credential-shaped line every round keeps the regex path exercised.
        blob.extend(format!("\nlet url = \"postgres://app:Pw{round:06}x9Qz@db.internal:5432/app\";\n").as_bytes());
        round += 1;
    }
    blob
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::compile(load_builtin().unwrap()).unwrap();
    let blob = source_like_blob();
    let plain: Vec<u8> = blob
        .iter()
        .map(|&b| if b.is_ascii_alphabetic() { b'q' } else { b })
        .collect();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(blob.len() as u64));
    group.sample_size(20);
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    group.bench_function("source_code_16MiB", |b| {
        b.iter(|| {
            out.clear();
            scan(&rules, &blob, &mut scratch, &mut out);
            out.len()
        })
    });
    group.bench_function("no_keywords_16MiB", |b| {
        b.iter(|| {
            out.clear();
            scan(&rules, &plain, &mut scratch, &mut out);
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
