"""Conservation for mini-swe-agent trajectories: the 1.x documents ({info, messages,
trajectory_format}) and the v0 bare array of messages. Every message (role exit included: it
goes to env_messages), every tool call by id, every tool result, every text, and the per-call
usage of extra.response.usage summed."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def count(path):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    messages = document if isinstance(document, list) else document.get("messages") or []
    counted = Counts(sessions=1, messages=len(messages))
    usage = {}
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            counted.texts.append(content)
        elif isinstance(content, list):
            counted.texts.extend(p.get("text", "") for p in content if isinstance(p, dict))
        for call in message.get("tool_calls") or []:
            counted.tool_calls += 1
            counted.call_ids.add(call["id"])
        if message.get("role") == "tool":
            counted.tool_results += 1
        response = (message.get("extra") or {}).get("response") or {}
        call_usage = response.get("usage") if isinstance(response, dict) else None
        if isinstance(call_usage, dict):
            for source, name in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
                if isinstance(call_usage.get(source), int):
                    usage[name] = usage.get(name, 0) + call_usage[source]
    counted.usage = usage
    return counted


if __name__ == "__main__":
    main(["mini-swe-agent/*.traj.json", "mini-swe-agent/*/*.traj.json"], count)
