"""Conservation check for OpenAI Codex CLI rollouts: counts, from the raw lines, what a
rollout holds and compares it with what trace-normalize wrote.

Counted independently of the normaliser: a session opens at a session_meta naming a new id
(a fork's copied ancestor session_meta, right after the meta naming it as parent, does not
open one); every line except a session's first session_meta (with an id) is a source message (chat or
environment), except reasoning items, which ride on the assistant item that follows them;
calls are function_call/custom_tool_call/local_shell_call/tool_search_call, results their
*_output items; usage is the last cumulative total_token_usage of each session.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402

CALLS = {"function_call", "custom_tool_call", "local_shell_call", "tool_search_call"}
RESULTS = {"function_call_output", "custom_tool_call_output", "tool_search_output"}
ITEMS = {"message", "reasoning", "function_call", "function_call_output", "custom_tool_call",
         "custom_tool_call_output", "local_shell_call", "web_search_call", "tool_search_call",
         "tool_search_output", "image_generation_call", "ghost_snapshot", "compaction", "agent_message"}


def meta_of(line):
    if line.get("type") == "session_meta" and "payload" in line and isinstance(line["payload"], dict):
        return line["payload"]
    if "type" not in line and "payload" not in line and "id" in line and "timestamp" in line:
        return line  # a legacy header
    return None


def parent_of(meta):
    for key in ("forked_from_id", "parent_thread_id"):
        if meta.get(key):
            return meta[key]
    spawn = ((meta.get("source") or {}) if isinstance(meta.get("source"), dict) else {}).get("subagent") or {}
    spawn = spawn.get("thread_spawn") if isinstance(spawn, dict) else None
    return (spawn or {}).get("parent_thread_id")


def count(path):
    counts = Counts()
    lines = [json.loads(text) for text in open(path, encoding="utf-8") if text.strip()]
    sessions = []  # lists of lines
    key = None
    for index, line in enumerate(lines):
        meta = meta_of(line)
        if meta is not None and meta.get("id") and meta["id"] != key:
            previous = meta_of(lines[index - 1]) if index > 0 else None
            if not (sessions and previous is not None and parent_of(previous) == meta["id"]):
                sessions.append([])
                key = meta["id"]
        if not sessions:
            sessions.append([])
        sessions[-1].append(line)
    counts.sessions = len(sessions)
    for session in sessions:
        last_total = None
        pending_reasoning = 0
        meta_seen = False
        for line in session:
            if "payload" in line:
                # The envelope's own members (2026 rollouts number lines with "ordinal") are kept.
                counts.members += [(k, v) for k, v in line.items() if k not in ("timestamp", "type", "payload")]
            meta = meta_of(line)
            if not meta_seen and meta is not None and isinstance(meta.get("id"), str):
                meta_seen = True  # the session's own fields, not a message
                continue
            item = line.get("payload") if line.get("type") == "response_item" else None
            if item is None and "payload" not in line and line.get("type") in ITEMS:
                item = line  # a legacy bare item
            counts.messages += 1
            if line.get("type") == "event_msg" and isinstance(line.get("payload"), dict):
                info = line["payload"].get("info") if line["payload"].get("type") == "token_count" else None
                if isinstance(info, dict) and isinstance(info.get("total_token_usage"), dict):
                    last_total = info["total_token_usage"]
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            if kind == "reasoning":
                pending_reasoning += 1
                for part in (item.get("summary") or []) + (item.get("content") or []):
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        counts.texts.append(part["text"])
                continue
            assistant = kind in CALLS or (kind == "message" and item.get("role") == "assistant")
            if assistant:
                counts.messages -= pending_reasoning  # they became this message's reasoning
                pending_reasoning = 0
            elif kind in RESULTS or kind == "message":
                pending_reasoning = 0  # left as environment messages
            if kind in CALLS:
                counts.tool_calls += 1
                if item.get("call_id"):
                    counts.call_ids.add(item["call_id"])
            if kind in RESULTS:
                counts.tool_results += 1
                if isinstance(item.get("output"), str):
                    counts.texts.append(item["output"])
            if kind == "message":
                for part in item.get("content") or []:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        counts.texts.append(part["text"])
        if last_total is not None:
            for source, name in (("input_tokens", "input_tokens"), ("output_tokens", "output_tokens")):
                if isinstance(last_total.get(source), int):
                    counts.usage[name] = counts.usage.get(name, 0) + last_total[source]
    return counts


if __name__ == "__main__":
    main(["codex-rollouts-*/*.jsonl"], count)
