"""Conservation of tau2-bench results: a document {info, tasks, simulations} (one session per
simulation; a header without simulations holds none) or one simulation saved alone (voice
runs: ticks instead of messages). Counted from the raw file independently."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def count_simulation(sim, counts):
    counts.sessions += 1
    for m in sim.get("messages") or []:
        for inner in m.get("tool_messages") or [m]:
            counts.messages += 1
            if isinstance(inner.get("content"), str):
                counts.texts.append(inner["content"])
            if inner.get("role") == "assistant":
                for call in inner.get("tool_calls") or []:
                    counts.tool_calls += 1
                    counts.call_ids.add(call["id"])
                    counts.texts.append(call["name"])
                usage = inner.get("usage") or {}
                for source, name in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
                    if isinstance(usage.get(source), int):
                        counts.usage[name] = counts.usage.get(name, 0) + usage[source]
            if inner.get("role") == "tool" and inner.get("requestor", "assistant") != "user":
                counts.tool_results += 1
    counts.messages += len(sim.get("ticks") or [])  # kept in env_messages


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    if "simulations" in document:
        for sim in document["simulations"]:
            count_simulation(sim, counts)
    elif "termination_reason" in document:
        count_simulation(document, counts)
    return counts


if __name__ == "__main__":
    main(["tau2-bench/*.json"], count)
