"""Conservation of Claude Code transcripts, counted from the raw lines (see common.py).

Counting rules, from the format itself: a user line gives one tool message per tool_result
block and one user message for the rest (if any); the lines of one streamed response
(message.id + requestId) give one assistant message; legacy top-level tool_use/tool_result
lines give one message each; every other line (system, attachment, progress, snapshots,
summaries, ...) is kept whole. Usage is counted once per response: each field's largest value.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def count(path):
    counts = common.Counts()
    sessions = set()
    responses = {}
    last_usage = {}
    anonymous = 0
    for raw in open(path, encoding="utf-8"):
        if not raw.strip():
            continue
        line = json.loads(raw)
        kind = line.get("type")
        if line.get("sessionId"):
            sessions.add((line["sessionId"], line.get("agentId")))
        message = line.get("message") if isinstance(line.get("message"), dict) else None
        if kind == "tool_use":
            counts.messages += 1
            counts.tool_calls += 1
            continue
        if kind == "tool_result":
            counts.messages += 1
            counts.tool_results += 1
            if isinstance(line.get("output"), str):
                counts.texts.append(line["output"])
            continue
        if kind not in ("user", "assistant") or message is None:
            counts.messages += 1  # kept whole in env_messages
            continue
        content = message.get("content")
        if kind == "user":
            blocks = content if isinstance(content, list) else []
            results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
            counts.tool_results += len(results)
            counts.messages += len(results) + (1 if (not isinstance(content, list) or len(results) < len(blocks)) else 0)
            if isinstance(content, str):
                counts.texts.append(content)
            for block in blocks:
                if isinstance(block, dict) and block.get("type") == "text":
                    counts.texts.append(block["text"])
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    inner = block.get("content")
                    if isinstance(inner, str):
                        counts.texts.append(inner)
                    for item in inner if isinstance(inner, list) else []:
                        if isinstance(item, dict) and item.get("type") == "text":
                            counts.texts.append(item["text"])
            continue
        key = (message.get("id"), line.get("requestId")) if message.get("id") else ("#", anonymous)
        if not message.get("id"):
            anonymous += 1
        usage = responses.setdefault(key, {})
        if isinstance(message.get("usage"), dict):
            last_usage[key] = message["usage"]  # kept whole: the response's last line's object
        for field, value in (message.get("usage") or {}).items():
            if isinstance(value, int):
                usage[field] = max(usage.get(field, 0), value)
        if isinstance(content, str):
            counts.texts.append(content)
        for block in content if isinstance(content, list) else []:
            kind = block.get("type")
            if kind == "text":
                counts.texts.append(block["text"])
            elif kind == "thinking" and block.get("thinking"):
                counts.texts.append(block["thinking"])
            elif kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
                counts.tool_calls += 1
                counts.call_ids.add(block["id"])
            elif kind.endswith("_tool_result"):
                counts.tool_results += 1
                counts.messages += 1
    counts.messages += len(responses)
    counts.members += [("usage", usage) for usage in last_usage.values()]
    counts.sessions = max(1, len(sessions))
    if any(responses.values()):
        counts.usage["input_tokens"] = sum(u.get("input_tokens", 0) + u.get("cache_read_input_tokens", 0) +
                                           u.get("cache_creation_input_tokens", 0) for u in responses.values())
        counts.usage["output_tokens"] = sum(u.get("output_tokens", 0) for u in responses.values())
        counts.usage["cache_read_tokens"] = sum(u.get("cache_read_input_tokens", 0) for u in responses.values())
    return counts


if __name__ == "__main__":
    common.main(["claude-code/*.jsonl"], count,
                compare_usage=("input_tokens", "output_tokens", "cache_read_tokens"))
