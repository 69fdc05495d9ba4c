#!/usr/bin/env python3
"""Writes the pipeline ledger (Markdown) from the tools' --summary-file counts in OUT, and
fails unless every stage accounts for every record: read = written + filtered + rejected."""
import glob
import json
import os
import sys

out = sys.argv[1]
rows = []
ok = True


def add(stage, path):
    global ok
    counts = json.load(open(path))
    balanced = counts["read"] == counts["written"] + counts["filtered"] + counts["rejected"]
    ok = ok and balanced and not counts["failed"]
    rows.append((stage, counts, "yes" if balanced else "NO"))


add("read (single pass)", os.path.join(out, "read.counts.json"))
validate_path = os.path.join(out, "validate.counts.json")
normalize_path = os.path.join(out, "normalize.counts.json")
shard_files = sorted(glob.glob(os.path.join(out, "shards", "counts.*.json")),
                     key=lambda p: int(p.rsplit(".", 2)[-2]))
for path in shard_files:
    add("read shard " + path.rsplit(".", 2)[-2], path)
single = rows[0][1]
shard_written = sum(r[1]["written"] for r in rows[1:])
shard_rejected_each = [r[1]["rejected"] for r in rows[1:]]
upstream = single["written"]
if os.path.exists(normalize_path):
    add("normalize", normalize_path)
    if rows[-1][1]["read"] != upstream:
        ok = False  # normalize must see every record read wrote
    upstream = rows[-1][1]["written"]
join_path = os.path.join(out, "join.counts.json")
if os.environ.get("OUTCOMES") and os.path.exists(join_path):
    add("join (outcomes)", join_path)
    if rows[-1][1]["read"] != upstream:
        ok = False  # join sees every session normalize wrote
    upstream = rows[-1][1]["written"]
if os.path.exists(validate_path):
    add("validate --profile trace", validate_path)
    if rows[-1][1]["read"] != upstream:
        ok = False  # validate must see every record normalize wrote
    validated = rows[-1][1]["written"]
    scrub_path = os.path.join(out, "scrub.counts.json")
    if os.environ.get("SCRUB") == "1" and os.path.exists(scrub_path):
        add("scrub", scrub_path)
        if rows[-1][1]["read"] != validated:
            ok = False  # scrub sees every valid session
        validated = rows[-1][1]["written"]  # the split reads the scrubbed sessions
    split = []
    for side in ("train", "val"):
        path = os.path.join(out, side + ".counts.json")
        if os.path.exists(path):
            add("filter (" + side + ")", path)
            split.append(rows[-1][1])
    if split:
        if any(c["read"] != validated for c in split):
            ok = False  # each side of the split reads every valid session
        if len(split) == 2 and split[0]["written"] + split[1]["written"] > validated:
            ok = False
        for side, counts in zip(("train", "val"), split):
            path = os.path.join(out, side + ".pair.counts.json")
            if os.path.exists(path):
                add("pair (" + side + ", sessions)", path)
                if rows[-1][1]["read"] != counts["written"]:
                    ok = False  # pair reads every session its side of the split kept
                path = os.path.join(out, side + ".dedup.counts.json")
                if os.path.exists(path):  # DEDUP=yes: examples in, examples out
                    add("dedup (" + side + ", examples)", path)
print("# Ledger\n")
print("| stage | read | written | filtered | rejected | blank | balanced |")
print("|---|---:|---:|---:|---:|---:|---|")
for stage, c, balanced in rows:
    print(f"| {stage} | {c['read']} | {c['written']} | {c['filtered']} | {c['rejected']} | {c['blank']} | {balanced} |")
print()
print(f"Shards together wrote {shard_written} records; the single pass wrote {single['written']}.")
print("Each shard reader sees, and rejects, the same unreadable records: they are counted once in rejects.ndjson.")
if rows[1:] and shard_written != single["written"]:
    ok = False
if rows[1:] and any(r != single["rejected"] for r in shard_rejected_each):
    ok = False  # every shard reader sees (and rejects) the same bad records
if not ok:
    print("LEDGER DOES NOT BALANCE", file=sys.stderr)
    sys.exit(1)
