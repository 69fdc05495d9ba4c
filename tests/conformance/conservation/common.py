"""What every conservation check shares: run a source file through
trace-read | trace-normalize | trace-validate --profile trace --strict, and compare what an
independent counter found in the raw file with what came out.

A dialect's check (one file beside this one) reads the raw file with its own Python, knowing
the format, and returns a Counts; it never imports the normaliser's rules. Usage of a check:
    python3 <check>.py BIN_DIR DATA_DIR        (exit 77 when DATA_DIR/<folder> is absent)
"""
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

SKIP = 77


@dataclass
class Counts:
    """What a source file holds, counted from its raw lines."""
    messages: int = 0        # messages the chat is made of (every one, branches included)
    tool_calls: int = 0      # tool calls, by their ids
    tool_results: int = 0    # tool results (answers to calls)
    texts: list = field(default_factory=list)  # every text a person or model wrote
    usage: dict = field(default_factory=dict)  # token totals by trace/v1 usage name
    sessions: int = 0        # sessions (subagents are sessions of their own)
    call_ids: set = field(default_factory=set)
    # (name, value) members of the source that must come out as a member of that name holding
    # that value, wherever the normaliser puts it (nothing the source holds is dropped)
    members: list = field(default_factory=list)


def count_chat(messages, counts):
    """OpenAI-shaped messages: one each; tool calls (also written as JSON strings) with their ids
    and names; tool messages as results; string contents as texts."""
    for m in messages:
        counts.messages += 1
        if isinstance(m.get("content"), str):
            counts.texts.append(m["content"])
        for call in m.get("tool_calls") or []:
            if isinstance(call, str):
                call = json.loads(call)
            counts.tool_calls += 1
            counts.call_ids.add(call["id"])
            counts.texts.append(call["function"]["name"])
        if m.get("role") == "tool":
            counts.tool_results += 1


def run_pipeline(bin_dir, path):
    """The sessions read | normalize | validate --strict writes for `path`; fails on rejects."""
    with tempfile.TemporaryDirectory() as scratch:
        rejects = os.path.join(scratch, "rejects.ndjson")
        read = subprocess.Popen([f"{bin_dir}/trace-read", path], stdout=subprocess.PIPE)
        normalize = subprocess.Popen([f"{bin_dir}/trace-normalize", "--rejects", rejects], stdin=read.stdout,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        read.stdout.close()
        validate = subprocess.run([f"{bin_dir}/trace-validate", "--profile", "trace", "--strict"],
                                  stdin=normalize.stdout, capture_output=True)
        normalize_err = normalize.stderr.read().decode()
        normalize.wait()
        read.wait()
        problems = []
        if read.returncode != 0:
            problems.append(f"trace-read exited {read.returncode}")
        if normalize.returncode != 0:
            problems.append(f"trace-normalize exited {normalize.returncode}: {normalize_err}")
        if os.path.exists(rejects) and os.path.getsize(rejects) > 0:
            problems.append("rejects: " + open(rejects).read()[:2000])
        if validate.returncode != 0:
            problems.append(f"trace-validate --strict exited {validate.returncode}: {validate.stderr.decode()[:2000]}")
        sessions = [json.loads(line) for line in validate.stdout.decode().splitlines() if line.strip()]
        return sessions, problems, normalize_err


def strings_of(value, out):
    """Every string inside a JSON value (keys excluded), decoded."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for item in value:
            strings_of(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            strings_of(item, out)
    return out


def members_of(value, out):
    """How many times each (name, value as canonical JSON) member occurs inside a JSON value."""
    if isinstance(value, list):
        for item in value:
            members_of(item, out)
    elif isinstance(value, dict):
        for name, item in value.items():
            out[(name, json.dumps(item, sort_keys=True))] += 1
            members_of(item, out)
    return out


def all_messages(session):
    messages = list(session.get("messages") or [])
    for branch in session.get("branches") or []:
        messages += branch.get("messages") or []
    return messages


def counted_out(sessions):
    """The same counts, from the normalised sessions."""
    out = Counts()
    out.sessions = len(sessions)
    for session in sessions:
        messages = all_messages(session)
        out.messages += len(messages) + len(session.get("env_messages") or [])
        for message in messages:
            for call in message.get("tool_calls") or []:
                out.tool_calls += 1
                out.call_ids.add(call["id"])
            if message.get("role") == "tool":
                out.tool_results += 1
        for key, value in (session.get("usage") or {}).items():
            if isinstance(value, int):
                out.usage[key] = out.usage.get(key, 0) + value
    return out


def check_file(bin_dir, path, counted, compare_usage=("input_tokens", "output_tokens")):
    """Runs one file and compares; returns a list of problems (empty: conserved)."""
    sessions, problems, _ = run_pipeline(bin_dir, path)
    out = counted_out(sessions)
    name = os.path.basename(path)
    for what in ("sessions", "messages", "tool_calls", "tool_results"):
        if getattr(counted, what) != getattr(out, what):
            problems.append(f"{name}: {what}: {getattr(counted, what)} in the source, {getattr(out, what)} out")
    missing_ids = counted.call_ids - out.call_ids
    if missing_ids:
        problems.append(f"{name}: tool call ids lost: {sorted(missing_ids)[:5]}")
    blob = "\n".join(strings_of(sessions, []))
    lost = [t for t in counted.texts if t and t not in blob]
    if lost:
        problems.append(f"{name}: {len(lost)} of {len(counted.texts)} texts not in the output, e.g. {lost[0][:120]!r}")
    if counted.members:
        # As many times as the source holds them: a value kept elsewhere does not stand in.
        wanted = collections.Counter((k, json.dumps(v, sort_keys=True)) for k, v in counted.members)
        present = members_of(sessions, collections.Counter())
        lost = [(member, n - present[member]) for member, n in wanted.items() if present[member] < n]
        if lost:
            problems.append(f"{name}: {sum(n for _, n in lost)} of {len(counted.members)} members not in the output, e.g. {lost[0][0]!r}"[:300])
    for key in compare_usage:
        if key in counted.usage and counted.usage[key] != out.usage.get(key):
            problems.append(f"{name}: usage.{key}: {counted.usage[key]} in the source, {out.usage.get(key)} out")
    return problems


def main(folder_patterns, count, skip=lambda path: False, variants=lambda path, scratch: [], **options):
    """Checks every file matching the patterns (relative to DATA_DIR) with `count`, and each
    file `variants` derives from it in `scratch` (the same content laid out otherwise, e.g. one
    item per line): a variant must give what its source counted."""
    if len(sys.argv) != 3:
        sys.exit("usage: check.py BIN_DIR DATA_DIR")
    bin_dir, data_dir = sys.argv[1], sys.argv[2]
    paths = sorted(p for pattern in folder_patterns for p in glob.glob(os.path.join(data_dir, pattern)) if not skip(p))
    if not paths:
        print(f"skip: no files for {folder_patterns} under {data_dir}")
        sys.exit(SKIP)
    problems = []
    checked = 0
    with tempfile.TemporaryDirectory() as scratch:
        for index, path in enumerate(paths):
            counted = count(path)
            if index == 0 and os.environ.get("TRACE_CONSERVATION_NEGATIVE_CONTROL"):
                counted.messages += 1  # one message the pipeline never saw: the check must fail
            for checked_path in [path] + variants(path, scratch):
                problems += check_file(bin_dir, checked_path, counted, **options)
                checked += 1
    for problem in problems:
        print(problem)
    print(f"{checked} files ({len(paths)} sources), {len(problems)} problems")
    sys.exit(1 if problems else 0)
