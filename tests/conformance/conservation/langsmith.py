"""Conservation of LangSmith run batches ({post, patch}): per trace, the llm runs' prompts
(inputs.messages) without the part already in the conversation, plus each completion (first
choice); usage from outputs.usage_metadata; tool runs as results. Counted from the raw file, and checked again with the runs one per line."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, count_chat, main  # noqa: E402


def count(path):
    counts = Counts()
    body = json.load(open(path, encoding="utf-8"))
    runs = {}
    for run in body.get("post", []):
        runs[run.get("id") or run["dotted_order"].split("Z")[-1]] = dict(run)
    for patch in body.get("patch", []):
        key = patch.get("id") or patch["dotted_order"].split("Z")[-1]
        runs.setdefault(key, {}).update(patch)
    traces = {}
    for run in sorted(runs.values(), key=lambda r: r.get("dotted_order", "")):
        traces.setdefault(run.get("trace_id"), []).append(run)
    counts.sessions = len(traces)
    for trace in traces.values():
        conversation = []
        for run in trace:
            if run.get("run_type") == "tool":
                counts.tool_results += 1
                counts.messages += 1
            if run.get("run_type") != "llm":
                continue
            prompt = (run.get("inputs") or {}).get("messages") or []
            outputs = run.get("outputs") or {}
            reply = [outputs["choices"][0]["message"]] if outputs.get("choices") else []
            overlap = min(len(prompt), len(conversation))
            while overlap and prompt[:overlap] != conversation[len(conversation) - overlap:]:
                overlap -= 1
            conversation += prompt[overlap:] + reply
            usage = outputs.get("usage_metadata") or {}
            for key in ("input_tokens", "output_tokens"):
                if isinstance(usage.get(key), int):
                    counts.usage[key] = counts.usage.get(key, 0) + usage[key]
        count_chat(conversation, counts)
    return counts


def split_records(path, scratch):
    """The batch as an export of one run per line, each patch on a later line of its own: the
    runs of a trace are then many records apart and must still make one session."""
    body = json.load(open(path, encoding="utf-8"))
    out = os.path.join(scratch, os.path.basename(path) + ".lines.ndjson")
    with open(out, "w", encoding="utf-8") as f:
        for run in body.get("post", []):
            f.write(json.dumps({"post": [run]}) + "\n")
        for patch in body.get("patch", []):
            f.write(json.dumps({"patch": [patch]}) + "\n")
    return [out]


if __name__ == "__main__":
    main(["langsmith/*.json"], count, variants=split_records)
