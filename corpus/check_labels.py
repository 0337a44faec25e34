#!/usr/bin/env python3
"""Compares a leakhound scan of this corpus with labels.jsonl.

Usage:
    check_labels.py [FINDINGS.jsonl] [--bin PATH] [--rules DIR]

Without FINDINGS.jsonl the scanner is run:
    leakhound scan <corpus> --no-ignore --format jsonl --show-secrets -o <tmp>

Reports, and exits 1 on any of:
  * MISSED      a labelled secret with no finding of the labelled rule and exact secret
  * DECOY       a decoy value reported (by any rule)
  * UNLABELLED  a finding that is not a labelled secret
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SKIPPED = {"labels.jsonl", "README.md", "check_labels.py"}


def load_labels():
    labels = []
    with open(os.path.join(HERE, "labels.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            lab = json.loads(line)
            assert lab["kind"] in ("secret", "decoy"), f"line {n}: bad kind"
            assert os.path.isfile(os.path.join(HERE, lab["path"])), f"line {n}: no file {lab['path']}"
            labels.append(lab)
    return labels


def run_scan(binary, rules):
    fd, out = tempfile.mkstemp(suffix=".jsonl")
    os.close(fd)
    cmd = [binary, "scan", HERE, "--no-ignore", "--format", "jsonl", "--show-secrets", "-q", "-o", out]
    for r in rules or []:
        cmd += ["--rules", r]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"scanner failed ({proc.returncode}): {proc.stderr}")
    return out


def load_findings(path):
    findings = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            rel = os.path.relpath(os.path.abspath(d["path"]), HERE).replace(os.sep, "/")
            if rel in SKIPPED:
                continue
            findings.append((rel, d["rule_id"], d["secret"], d.get("line")))
    return findings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("findings", nargs="?")
    ap.add_argument("--bin", default=os.environ.get("LEAKHOUND", "/work/bin/leakhound"))
    ap.add_argument("--rules", action="append")
    args = ap.parse_args()

    labels = load_labels()
    path = args.findings or run_scan(args.bin, args.rules)
    findings = load_findings(path)

    positives = {(l["path"], l["rule"], l["secret"]) for l in labels if l["kind"] == "secret"}
    decoys = [l for l in labels if l["kind"] == "decoy"]
    found = {(p, r, s) for p, r, s, _ in findings}

    missed = sorted(positives - found)
    decoy_hits = [(f, d) for f in findings for d in decoys if f[0] == d["path"] and f[2] == d["secret"]]
    unlabelled = sorted({f for f in findings if (f[0], f[1], f[2]) not in positives})

    for p, r, s in missed:
        print(f"MISSED      {p}  {r}  {s[:60]!r}")
    for f, d in decoy_hits:
        print(f"DECOY       {f[0]}:{f[3]}  {f[1]}  {f[2][:60]!r}  ({d['note']})")
    for p, r, s, line in unlabelled:
        print(f"UNLABELLED  {p}:{line}  {r}  {s[:60]!r}")

    rules = Counter(l["rule"] for l in labels if l["kind"] == "secret")
    print(f"\nfiles with labels: {len({l['path'] for l in labels})}, positives: {len(positives)}, "
          f"decoys: {len(decoys)}, rules covered: {len(rules)}, findings: {len(findings)}")
    print(f"missed: {len(missed)}, decoys reported: {len(decoy_hits)}, unlabelled: {len(unlabelled)}")
    return 1 if (missed or decoy_hits or unlabelled) else 0


if __name__ == "__main__":
    sys.exit(main())
