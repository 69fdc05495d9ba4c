"""Conservation of tau-bench results (an array of episodes {task_id, trial, reward, traj}) and
few-shot transcripts ({messages_display}), counted from the raw file independently."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, count_chat, main  # noqa: E402

OPENS = re.compile(r"^(system|user|assistant|tool): ")


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            records = json.load(f)
        else:
            records = [json.loads(line) for line in f if line.strip()]
    for record in records:
        counts.sessions += 1
        if "traj" in record:
            count_chat(record["traj"], counts)
        else:
            for line in record["messages_display"].split("\n"):
                if OPENS.match(line):
                    counts.messages += 1
                    counts.texts.append(line.split(": ", 1)[1])
                elif line:
                    counts.texts.append(line)
    return counts


if __name__ == "__main__":
    main(["tau-bench/*.json", "tau-bench/*.jsonl"], count)
