"""Conservation of chat datasets: ShareGPT (FastChat, LLaMA-Factory tool calling), alpaca,
LLaMA-Factory OpenAI-style files with typed parts {type, value} and KTO labels, MT-bench
questions, Agent Data Protocol trajectories (standardized, and raw rows that are simple chats).
Every message, tool call (function_call values, tool_call parts, ADP api/code actions), tool
result (observations) and text is counted from the raw files independently. A preference row
is two sessions: its prompt is counted once per side."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def records(path):
    """The rows of a file: a JSON array (or one document), or JSON lines."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        value = json.loads(text)
        return value if isinstance(value, list) else [value]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def calls_in(value):
    """The calls a function_call value or tool_call part holds: JSON text of one or a list."""
    parsed = json.loads(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, list) else [parsed]


def count_typed(messages, counts):
    """LLaMA-Factory OpenAI-style messages: content a string or typed parts {type, value}."""
    for m in messages:
        counts.messages += 1
        content = m.get("content")
        if isinstance(content, str):
            counts.texts.append(content)
        for part in content if isinstance(content, list) else []:
            if part.get("type") in ("tool_call", "tool_calls"):
                for call in calls_in(part["value"]):
                    counts.tool_calls += 1
                    counts.texts.append(call["name"])
            elif isinstance(part.get("value"), str):
                counts.texts.append(part["value"])
        if m.get("role") in ("tool", "observation"):
            counts.tool_results += 1


def count_sharegpt(row, counts):
    sides = 2 if "chosen" in row and "rejected" in row else 1
    counts.sessions += sides
    prompt = Counts()
    if row.get("system"):
        prompt.messages += 1
        prompt.texts.append(row["system"])
    for m in row["conversations"]:
        prompt.messages += 1
        if m["from"] == "function_call":
            for call in calls_in(m["value"]):
                prompt.tool_calls += 1
                prompt.texts.append(call["name"])
        else:
            prompt.texts.append(m["value"])
        if m["from"] == "observation":
            prompt.tool_results += 1
    counts.messages += sides * prompt.messages
    counts.tool_calls += sides * prompt.tool_calls
    counts.tool_results += sides * prompt.tool_results
    counts.texts += prompt.texts
    for side in ("chosen", "rejected") if sides == 2 else ():
        counts.messages += 1
        counts.texts.append(row[side]["value"] if isinstance(row[side], dict) else row[side])


def count_alpaca(row, counts):
    sides = 2 if "chosen" in row else 1
    counts.sessions += sides
    prompt = 1 + (1 if row.get("system") else 0) + 2 * len(row.get("history") or [])
    counts.messages += sides * prompt + sides
    for key in ("instruction", "input", "output", "system", "chosen", "rejected"):
        if isinstance(row.get(key), str):
            counts.texts.append(row[key])
    for query, response in row.get("history") or []:
        counts.texts += [query, response]


def count_adp(row, counts):
    """ADP standardized: a run of consecutive actions is one assistant message; an
    observation answers an open call when it names one or follows the actions directly."""
    counts.sessions += 1
    open_calls = 0
    after_action = False
    previous_action = False
    for item in row["content"]:
        kind = item["class_"]
        if kind in ("api_action", "code_action"):
            if not previous_action:
                counts.messages += 1
            counts.tool_calls += 1
            open_calls += 1
            counts.texts.append(item.get("function") or item.get("content"))
            if item.get("description"):
                counts.texts.append(item["description"])
            previous_action = after_action = True
            continue
        previous_action = False
        counts.messages += 1
        if kind == "message_action":
            after_action = False
            counts.texts.append(item["content"])
            if item.get("description"):
                counts.texts.append(item["description"])
            continue
        if isinstance(item.get("content"), str):
            counts.texts.append(item["content"])
        if item.get("tool_call_id") or (after_action and open_calls > 0):
            counts.tool_results += 1
            open_calls -= 1


def count(path):
    counts = Counts()
    for row in records(path):
        if "conversations" in row and row["conversations"] and "from" in row["conversations"][0]:
            count_sharegpt(row, counts)
        elif "conversations" in row:  # raw ADP rows: {role, content}
            counts.sessions += 1
            count_typed(row["conversations"], counts)
        elif "instruction" in row:
            count_alpaca(row, counts)
        elif "messages" in row:
            counts.sessions += 1
            count_typed(row["messages"], counts)
        elif "class_" in json.dumps(row.get("content", ""))[:200]:
            count_adp(row, counts)
        elif "question_id" in row:
            counts.sessions += 1
            counts.messages += len(row["turns"])
            counts.texts += row["turns"] + (row.get("reference") or [])
    return counts


if __name__ == "__main__":
    main(["fastchat/*.json*", "llama-factory/*.json*", "agent-data-protocol/*.json"], count,
         skip=lambda path: os.path.basename(path) == "dataset_info.json")
