#!/usr/bin/env python3
"""Checks trace-pair --mode preference output against the sessions it came from, computed
independently of the C++ code: every pair is two sessions of the same group, the chosen one
scoring more by at least the margin; the prompt is exactly each session's messages up to the
split, as trace-pair writes messages (role, content, name, tool_calls, tool_call_id); the
replies are the messages at the split; and the set of pairs is the one the rules give.

usage: check_preference.py SESSIONS PAIRS --group-by a,b [--score reward] [--format openai|trl]
                           [--pairs best-worst|all] [--min-margin X] [--split-at first-divergence|final]
Exit 0 when every check holds, 1 with the first failures listed.
"""
import argparse
import json
import sys


def at(record, path):
    value = record
    for step in path.split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def written(message):
    """A message as trace-pair writes it with --tool-format openai."""
    role = message["role"]
    out = {"role": role}
    if "content" in message or role == "assistant":
        out["content"] = message.get("content")
    if "name" in message and role != "tool":
        out["name"] = message["name"]
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["tool_calls"] = calls
    if role == "tool":
        out["tool_call_id"] = message.get("tool_call_id")
    return out


def number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def split_of(a, b, split_at):
    shared = 0
    while shared < len(a) and shared < len(b) and a[shared] == b[shared]:
        shared += 1
    if split_at == "final":
        last_a = max((k for k, m in enumerate(a) if m["role"] == "assistant"), default=None)
        last_b = max((k for k, m in enumerate(b) if m["role"] == "assistant"), default=None)
        if last_a is None or last_a != last_b or last_a == 0 or shared < last_a:
            return None
        return last_a
    if shared == 0 or shared >= len(a) or shared >= len(b):
        return None
    if a[shared]["role"] != "assistant" or b[shared]["role"] != "assistant":
        return None
    return shared


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sessions")
    parser.add_argument("pairs")
    parser.add_argument("--group-by", required=True)
    parser.add_argument("--score", default="reward")
    parser.add_argument("--format", default="openai")
    parser.add_argument("--pairs", dest="selection", default="best-worst")
    parser.add_argument("--min-margin", type=float, default=0.0)
    parser.add_argument("--split-at", default="first-divergence")
    args = parser.parse_args()
    paths = args.group_by.split(",")

    sessions = {}
    groups = {}
    for line in open(args.sessions, encoding="utf-8"):
        record = json.loads(line)
        key = [at(record, p) for p in paths]
        score = at(record, args.score)
        if any(v is None for v in key) or not number(score) or not isinstance(record.get("messages"), list):
            continue
        messages = [written(m) for m in record["messages"]]
        sessions[record["session_id"]] = (key, score, messages)
        groups.setdefault(json.dumps(key), []).append(record["session_id"])

    failures = []
    seen = set()
    for n, line in enumerate(open(args.pairs, encoding="utf-8"), 1):
        example = json.loads(line)
        meta = example.get("metadata", {})
        if args.format == "openai":
            prompt = example["input"]["messages"]
            chosen, rejected = example["preferred_output"], example["non_preferred_output"]
        else:
            prompt, chosen, rejected = example["prompt"], example["chosen"], example["rejected"]
        c_id, r_id = meta.get("chosen_session_id"), meta.get("rejected_session_id")
        if c_id not in sessions or r_id not in sessions:
            failures.append("line %d: unknown sessions %r, %r" % (n, c_id, r_id))
            continue
        c_key, c_score, c_messages = sessions[c_id]
        r_key, r_score, r_messages = sessions[r_id]
        if c_key != r_key or meta.get("group") != c_key:
            failures.append("line %d: not one group: %r %r %r" % (n, c_key, r_key, meta.get("group")))
        if not (c_score > r_score and c_score - r_score >= args.min_margin):
            failures.append("line %d: chosen %r is not above rejected %r by %r" % (n, c_score, r_score, args.min_margin))
        if meta.get("chosen_score") != c_score or meta.get("rejected_score") != r_score:
            failures.append("line %d: metadata scores differ from the sessions'" % n)
        split = len(prompt)
        if c_messages[:split] != prompt or r_messages[:split] != prompt:
            failures.append("line %d: the prompt is not each session's first %d messages" % (n, split))
        if split != split_of(c_messages, r_messages, args.split_at):
            failures.append("line %d: split at %d, the sessions part at %r" % (n, split, split_of(c_messages, r_messages, args.split_at)))
        if chosen != c_messages[split:split + 1] or rejected != r_messages[split:split + 1]:
            failures.append("line %d: the replies are not the messages at the split" % n)
        seen.add((c_id, r_id))

    # The pairs the rules give, recomputed.
    expected = set()
    for ids in groups.values():
        ranked = sorted(ids, key=lambda i: (-sessions[i][1], json.dumps(i, ensure_ascii=False).encode()))
        if args.selection == "best-worst":
            candidates = [(ranked[0], ranked[-1])] if len(ranked) > 1 else []
        else:
            candidates = [(ranked[c], ranked[r]) for c in range(len(ranked)) for r in range(len(ranked) - 1, c, -1)]
        for c, r in candidates:
            cs, rs = sessions[c][1], sessions[r][1]
            if cs > rs and cs - rs >= args.min_margin:
                split = split_of(sessions[c][2], sessions[r][2], args.split_at)
                if split is not None and sessions[c][2][split] != sessions[r][2][split]:
                    expected.add((c, r))
    if seen != expected:
        failures.append("pairs written differ from the rules: %d missing %s, %d extra %s" % (
            len(expected - seen), sorted(expected - seen)[:3], len(seen - expected), sorted(seen - expected)[:3]))
    if failures:
        print("\n".join(failures[:20]), file=sys.stderr)
        return 1
    print("%d pairs checked" % len(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
