"""Conservation of verifiers vf-eval results.jsonl: every prompt and completion message, tool
calls (objects, or JSON text in some versions) with their ids, tool results; counted from the
raw rows independently."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            counts.sessions += 1
            for side in (row["prompt"], row["completion"]):
                if isinstance(side, str):
                    counts.messages += 1
                    counts.texts.append(side)
                    continue
                for m in side:
                    counts.messages += 1
                    if isinstance(m.get("content"), str):
                        counts.texts.append(m["content"])
                    for call in m.get("tool_calls") or []:
                        if isinstance(call, str):
                            call = json.loads(call)
                        counts.tool_calls += 1
                        counts.call_ids.add(call["id"])
                        counts.texts.append(call["function"]["name"])
                    if m.get("role") == "tool":
                        counts.tool_results += 1
    return counts


if __name__ == "__main__":
    main(["verifiers-vf-eval/*results.jsonl"], count)
