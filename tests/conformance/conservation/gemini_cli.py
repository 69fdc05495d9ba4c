"""Conservation check for Gemini CLI sessions (JSON, JSONL with $set patches, checkpoint
history): counts, from the raw file, what a session holds and compares it with what
trace-normalize wrote.

Counted independently of the normaliser: every recorded message is a source message (user
and gemini/model ones in the chat, info/error/warning ones beside it), and every tool call
carries its own result, which is one more message; a JSONL message line repeating an earlier
id is a later version of that message (the earlier one is still counted, as kept). Checkpoint
Contents are one message each, except a Content of function responses only, which is one
message per response. Usage: the sums of the messages' `tokens` (input with tool-use prompt,
output with thoughts).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def text_of(content, texts):
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, dict) and isinstance(content.get("text"), str):
        texts.append(content["text"])
    elif isinstance(content, list):
        for part in content:
            text_of(part, texts)


def count_message(message, counts):
    counts.messages += 1
    text_of(message.get("content"), counts.texts)
    for thought in message.get("thoughts") or []:
        if isinstance(thought, dict) and isinstance(thought.get("description"), str):
            counts.texts.append(thought["description"])
    for call in message.get("toolCalls") or []:
        counts.tool_calls += 1
        counts.tool_results += 1
        counts.messages += 1
        if call.get("id"):
            counts.call_ids.add(call["id"])
        for part in call.get("result") or []:
            output = ((part.get("functionResponse") or {}).get("response") or {}).get("output") if isinstance(part, dict) else None
            if isinstance(output, str):
                counts.texts.append(output)
    tokens = message.get("tokens")
    if isinstance(tokens, dict):
        if isinstance(tokens.get("input"), int):
            counts.usage["input_tokens"] = counts.usage.get("input_tokens", 0) + tokens["input"] + (tokens.get("tool") or 0)
        if isinstance(tokens.get("output"), int):
            counts.usage["output_tokens"] = counts.usage.get("output_tokens", 0) + tokens["output"] + (tokens.get("thoughts") or 0)


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    try:
        records = [json.loads(raw)]
    except json.JSONDecodeError:
        records = [json.loads(line) for line in raw.splitlines() if line.strip()]
    if len(records) > 1 or "messages" not in records[0] and "history" not in records[0]:
        counts.sessions = len({r["sessionId"] for r in records if "sessionId" in r and "projectHash" in r})
        for record in records[1:]:
            if "$set" in record or ("sessionId" in record and "projectHash" in record):
                continue
            count_message(record, counts)
        return counts
    record = records[0]
    counts.sessions = 1
    for message in record.get("messages") or []:
        count_message(message, counts)
    for content in record.get("history") or []:
        parts = content.get("parts") or []
        responses = [p for p in parts if isinstance(p, dict) and "functionResponse" in p]
        if parts and len(responses) == len(parts):
            counts.messages += len(responses)
            counts.tool_results += len(responses)
        else:
            counts.messages += 1
        for part in parts:
            if isinstance(part, dict) and "functionCall" in part:
                counts.tool_calls += 1
                if part["functionCall"].get("id"):
                    counts.call_ids.add(part["functionCall"]["id"])
        text_of(parts, counts.texts)
    return counts


if __name__ == "__main__":
    main(["gemini-cli/*.json", "gemini-cli/*.jsonl"], count)
