"""Nothing a source holds is dropped: every string (3 characters or more) and every number of
each session file of the agent and harness formats must appear in what trace-read |
trace-normalize writes, as a string, a key or a number, or in its rejects (a record no dialect
takes is rejected whole, with its text). Written apart from the normaliser: it knows only the
conversions its manual documents, each listed here with why it changes a source's text:

- times are rewritten as RFC 3339 UTC: a time's text may appear in that form instead;
- a member named `type` is the format's own tag (content block kinds, event kinds), consumed,
  and a message's `role` is mapped to a trace/v1 role (a Claude Code user line holding tool
  results makes `tool` messages, `developer` is `system`, Gemini's `model` is `assistant`);
- a Claude Code response streamed over several lines repeats its usage on each, counting up:
  the last line's object is kept whole, the earlier lines' counts are superseded;
- a string holding JSON (tool calls and arguments written as text) may come out parsed: then
  its own strings and numbers are looked for instead;
- tau-bench few-shot `messages_display` transcripts are split into messages at their
  `role: ` lines: each line is looked for in the messages' text, label removed;
- a Claude Code subagent's `agentId` is written in its session id, `<sessionId>:agent-<agentId>`;
- a tau2-bench results document without simulations writes nothing (filtered, warned);
- a verifiers `metadata.json` writes nothing itself: it is read before its run's rows, as the
  manual says, and its texts are looked for in their sessions.

Usage: python3 leaf_audit.py BIN_DIR DATA_DIR (exit 77 when the data is absent). With
TRACE_LEAF_AUDIT_NEGATIVE_CONTROL=1 every `extra` member is taken out of the output before
looking: the check must then fail (what is kept only there is then missing).
"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
FILES = ["claude-code/*", "codex-rollouts-*/*", "gemini-cli/*", "swe-agent/*", "mini-swe-agent/*",
         "mini-swe-agent/*/*", "openhands/*", "openhands-sdk/*", "harbor-atif/*", "inspect-ai/*",
         "verifiers-vf-eval/*", "tau-bench/*", "tau2-bench/*"]
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
LABEL = re.compile(r"^(system|user|assistant|tool): ")
NEGATIVE = os.environ.get("TRACE_LEAF_AUDIT_NEGATIVE_CONTROL") == "1"


def records_of(text):
    """Every JSON value of an NDJSON text (lines that are not JSON are skipped)."""
    out = []
    for line in text.splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def number_text(value):
    return json.dumps(value)


def corpus_of(values):
    """The strings, keys and number texts of `values`, strings holding JSON opened too."""
    found = set()

    def walk(v, depth):
        if isinstance(v, dict):
            for k, x in v.items():
                found.add(k)
                walk(x, depth)
        elif isinstance(v, list):
            for x in v:
                walk(x, depth)
        elif isinstance(v, str):
            found.add(v)
            if depth < 3 and v[:1] in "{[":
                try:
                    walk(json.loads(v), depth + 1)
                except ValueError:
                    pass
        elif not isinstance(v, bool) and v is not None:
            found.add(number_text(v))

    for v in values:
        walk(v, 0)
    return found


def rfc3339(text):
    """A time's text as trace-normalize writes times, or None."""
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone.utc)
    out = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        out += ".%06d" % t.microsecond
    return out + "Z"


def superseded_usage(records):
    """Indexes of Claude Code lines whose usage a later line of the same response replaces."""
    last = {}
    for i, r in enumerate(records):
        m = r.get("message") if isinstance(r, dict) else None
        if isinstance(m, dict) and isinstance(m.get("id"), str) and "usage" in m:
            last[m["id"]] = i
    return {i for i, r in enumerate(records) if isinstance(r, dict) and isinstance(r.get("message"), dict)
            and isinstance(r["message"].get("id"), str) and "usage" in r["message"] and last[r["message"]["id"]] != i}


def missing_leaves(record, found, joined, skip_usage=False):
    """(path, text) of each leaf of `record` that is nowhere in `found` (`joined`: its
    strings in one text, for what the output holds inside longer strings)."""
    if isinstance(record, dict) and "tasks" in record and "info" in record and "simulations" not in record:
        return []  # a tau2-bench header without simulations: nothing is written for it
    missing = []

    def look(path, v, depth):
        if isinstance(v, dict):
            for k, x in v.items():
                if k in ("type", "role") and isinstance(x, str):
                    continue
                if skip_usage and path == ".message" and k == "usage":
                    continue
                look(path + "." + k, x, depth)
        elif isinstance(v, list):
            for x in v:
                look(path + "[]", x, depth)
        elif isinstance(v, str):
            if len(v) < 3 or v in found:
                return
            if TIME.match(v) and rfc3339(v) in found:
                return
            if path.endswith(".agentId") and ":agent-" + v in joined:
                return
            if depth < 3 and v[:1] in "{[":
                try:
                    look(path + "<json>", json.loads(v), depth + 1)
                    return
                except ValueError:
                    pass
            if path.endswith(".messages_display"):
                for line in v.split("\n"):
                    line = LABEL.sub("", line)
                    if len(line) >= 3 and line not in joined:
                        missing.append((path, line[:60]))
                return
            missing.append((path, v[:60]))
        elif not isinstance(v, bool) and v is not None:
            if number_text(v) not in found:
                missing.append((path, number_text(v)))

    look("", record, 0)
    return missing


def drop_extra(v):
    if isinstance(v, dict):
        return {k: drop_extra(x) for k, x in v.items() if k != "extra"}
    if isinstance(v, list):
        return [drop_extra(x) for x in v]
    return v


def companions(path):
    """The files read with `path`: a verifiers metadata.json, then its run's rows."""
    if path.endswith("__metadata.json"):
        rows = path[: -len("__metadata.json")] + "__results.jsonl"
        if os.path.exists(rows):
            return [path, rows]
    return [path]


def audit(bin_dir, path):
    with tempfile.TemporaryDirectory() as scratch:
        rejects = os.path.join(scratch, "rejects.ndjson")
        read = subprocess.run([f"{bin_dir}/trace-read", "-q", *companions(path)], capture_output=True, check=True)
        normalize = subprocess.run([f"{bin_dir}/trace-normalize", "-q", "--rejects", rejects], input=read.stdout,
                                   capture_output=True)
        written = records_of(normalize.stdout.decode("utf-8", "replace"))
        with open(rejects, encoding="utf-8", errors="replace") as f:
            rejected = [json.loads(r["raw"]) for r in records_of(f.read()) if "raw" in r]
    if NEGATIVE:
        written = [drop_extra(r) for r in written]
    found = corpus_of(written + rejected)
    joined = "\0".join(found)
    out = []
    records = records_of(read.stdout.decode("utf-8", "replace"))
    superseded = superseded_usage(records)
    for i, record in enumerate(records):
        out.extend(missing_leaves(record, found, joined, i in superseded))
    return out


def main():
    bin_dir, data = sys.argv[1], sys.argv[2]
    paths = sorted({p for pattern in FILES for p in glob.glob(os.path.join(data, pattern))})
    # Every file of these folders but their notes (SOURCES.md, READMEs) and JSON Schemas.
    paths = [p for p in paths if os.path.isfile(p) and not p.endswith(".md") and "schema" not in os.path.basename(p).lower()]
    if not paths:
        print("leaf audit: no shared data, skipped")
        return SKIP
    failed = 0
    for path in paths:
        missing = audit(bin_dir, path)
        if missing:
            failed += 1
            print(f"{os.path.relpath(path, data)}: {len(missing)} source texts missing from the output, e.g. {missing[:3]}")
    print(f"leaf audit: {len(paths)} files, {failed} with texts missing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
