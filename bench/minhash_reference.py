#!/usr/bin/env python3
"""The reference trace-dedup is timed against: datasketch's MinHash algorithm in NumPy (no
Debian or npm package ships datasketch). Each shingle (5 words) is hashed with SHA-1 (32 bits)
and permuted by K universal hashes (a*h + b) mod (2^61 - 1), as datasketch's update_batch does;
LSH with B bands, candidates verified by the signature estimate, union-find, first kept.
Exact duplicates (normalised text) first, as trace-dedup does. Reads trace/v1 sessions or chat
examples on stdin (all message text), writes the kept lines; the duplicate count to stderr.
    python3 bench/minhash_reference.py [--permutations 256] [--bands 64] [--threshold 0.7] < in.ndjson
"""
import argparse
import hashlib
import json
import re
import struct
import sys

import numpy as np

MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)
WORD = re.compile(rb"[A-Za-z0-9\x80-\xff]+")
SPACE = re.compile(rb"[ \t\n\r\v\f]+")


def message_text(record):
    pieces = []
    for m in record.get("messages") or []:
        if not isinstance(m, dict):
            continue
        content = m.get("content")
        if isinstance(content, str):
            pieces.append(content)
        elif isinstance(content, list):
            pieces += [p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        for call in m.get("tool_calls") or []:
            f = call.get("function") if isinstance(call, dict) else None
            if isinstance(f, dict):
                pieces += [f[k] for k in ("name", "arguments") if isinstance(f.get(k), str)]
    return "".join(p + "\n" for p in pieces).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--permutations", type=int, default=256)
    ap.add_argument("--bands", type=int, default=64)
    ap.add_argument("--threshold", type=float, default=0.7)
    ap.add_argument("--shingle", type=int, default=5)
    args = ap.parse_args()
    k, rows = args.permutations, args.permutations // args.bands
    gen = np.random.RandomState(1)  # datasketch's default seed and draw
    a = gen.randint(1, MERSENNE, size=k, dtype=np.uint64)
    b = gen.randint(0, MERSENNE, size=k, dtype=np.uint64)
    exact, buckets, signatures, parent, lines = {}, {}, [], [], []

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for line in sys.stdin.buffer:
        i = len(lines)
        lines.append(line)
        parent.append(i)
        signatures.append(None)
        text = message_text(json.loads(line))
        key = SPACE.sub(b" ", text).strip().lower()
        if key in exact:
            parent[i] = find(exact[key])
            continue
        exact[key] = i
        words = [w.lower() for w in WORD.findall(text)]
        if not words:
            continue
        n = args.shingle
        shingles = [b" ".join(words[j:j + n]) for j in range(max(1, len(words) - n + 1))]
        hv = np.array([struct.unpack("<I", hashlib.sha1(s).digest()[:4])[0] for s in shingles], dtype=np.uint64)
        sig = np.bitwise_and((np.outer(hv, a) + b) % MERSENNE, MAX_HASH).min(axis=0)
        signatures[i] = sig
        for band in range(args.bands):
            other = buckets.setdefault((band, sig[band * rows:(band + 1) * rows].tobytes()), i)
            if other != i and find(other) != find(i) and np.mean(signatures[other] == sig) >= args.threshold:
                parent[find(i)] = find(other)
    first = {}
    out = sys.stdout.buffer
    dropped = 0
    for i, line in enumerate(lines):
        root = find(i)
        if root in first:
            dropped += 1
            continue
        first[root] = i
        out.write(line)
    print(f"minhash_reference: {len(lines)} read, {dropped} duplicates dropped", file=sys.stderr)


if __name__ == "__main__":
    main()
