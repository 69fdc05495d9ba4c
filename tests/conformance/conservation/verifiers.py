"""Conservation of verifiers vf-eval results.jsonl: every prompt and completion message, tool
calls (objects, or JSON text in some versions) with their ids, tool results; counted from the
raw rows independently."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, count_chat, main  # noqa: E402


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
                count_chat(side, counts)
    return counts


if __name__ == "__main__":
    main(["verifiers-vf-eval/*results.jsonl"], count)
