"""Conservation of Harbor ATIF trajectories (harbor-atif/*.json): counted from the raw
document by the ATIF rules (a result answers the call its source_call_id names; results
without one answer their step's calls in order), independently of trace-normalize."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def text_of(content, texts):
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])


def count_trajectory(t, counts):
    counts.sessions += 1
    pending = set()
    for step in t.get("steps") or []:
        counts.messages += 1
        if step.get("source") not in ("system", "user", "agent"):
            continue
        text_of(step.get("message"), counts.texts)
        if isinstance(step.get("reasoning_content"), str):
            counts.texts.append(step["reasoning_content"])
        calls = []
        for call in step.get("tool_calls") or []:
            call_id = call.get("tool_call_id") or call.get("id")
            counts.tool_calls += 1
            counts.call_ids.add(call_id)
            calls.append(call_id)
            pending.add(call_id)
            counts.texts.append(call.get("function_name") or call.get("name"))
        metrics = step.get("metrics") or {}
        for source, name in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
            if isinstance(metrics.get(source), int):
                counts.usage[name] = counts.usage.get(name, 0) + metrics[source]
        in_order = [c for c in calls]
        for result in (step.get("observation") or {}).get("results") or []:
            counts.messages += 1
            text_of(result.get("content"), counts.texts)
            if "source_call_id" in result:
                answered = result["source_call_id"] if result["source_call_id"] in pending else None
            else:
                while in_order and in_order[0] not in pending:
                    in_order.pop(0)
                answered = in_order.pop(0) if in_order else None
            if answered is not None:
                pending.discard(answered)
                counts.tool_results += 1
    for sub in t.get("subagent_trajectories") or []:
        count_trajectory(sub, counts)


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        count_trajectory(json.load(f), counts)
    return counts


if __name__ == "__main__":
    # The RFC (.md) is a document, and *_atof.jsonl is NVIDIA's event stream (ATOF), not ATIF.
    main(["harbor-atif/*.json"], count)
