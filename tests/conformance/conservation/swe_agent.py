"""Conservation for SWE-agent trajectories (.traj): every history message (the chat) and every
trajectory step (env_messages), every tool call by id, every tool result, every text the model
or the environment wrote, and info.model_stats' token counts."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def texts_of(content, out):
    if isinstance(content, str):
        out.append(content)
    elif isinstance(content, list):
        out.extend(part.get("text", "") for part in content if isinstance(part, dict))


def count(path):
    with open(path, encoding="utf-8") as f:
        traj = json.load(f)
    counted = Counts(sessions=1)
    history = traj.get("history") or []
    steps = traj.get("trajectory") or []
    counted.messages = len(history) + len(steps)
    for item in history:
        texts_of(item.get("content"), counted.texts)
        for key in ("thought", "action"):
            if isinstance(item.get(key), str):
                counted.texts.append(item[key])
        for call in item.get("tool_calls") or []:
            counted.tool_calls += 1
            counted.call_ids.add(call["id"])
        if item.get("role") == "tool":
            counted.tool_results += 1
    for step in steps:
        for key in ("action", "observation", "response", "thought"):
            if isinstance(step.get(key), str):
                counted.texts.append(step[key])
    stats = (traj.get("info") or {}).get("model_stats") or {}
    if stats.get("tokens_sent") or stats.get("tokens_received"):
        counted.usage = {"input_tokens": stats.get("tokens_sent", 0), "output_tokens": stats.get("tokens_received", 0)}
    return counted


if __name__ == "__main__":
    main(["swe-agent/*.traj"], count)
