"""Conservation of Inspect AI evaluation logs: a .json log (one document, samples[]) or a .eval
ZIP archive (one samples/*.json entry per sample, read here with zipfile). One session per
sample; every message, tool call (id and function name), tool result, text and the sample's
model_usage token sums counted from the raw file independently."""
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402

ATTACHMENT = "attachment://"


def resolve(text, attachments):
    if text.startswith(ATTACHMENT) and text[len(ATTACHMENT):] in attachments:
        return attachments[text[len(ATTACHMENT):]]
    return text


def count_sample(sample, counts):
    counts.sessions += 1
    attachments = sample.get("attachments") or {}
    for m in sample.get("messages") or []:
        counts.messages += 1
        content = m.get("content")
        if isinstance(content, str):
            counts.texts.append(resolve(content, attachments))
        elif isinstance(content, list):
            for part in content:
                for key in ("text", "reasoning"):
                    if isinstance(part.get(key), str):
                        counts.texts.append(resolve(part[key], attachments))
        for call in m.get("tool_calls") or []:
            counts.tool_calls += 1
            counts.call_ids.add(call["id"])
            counts.texts.append(call["function"])  # Inspect names the tool here, as a string
        if m.get("role") == "tool":
            counts.tool_results += 1
    usage = sample.get("model_usage")
    if usage is None:
        usage = {i: e["output"]["usage"] for i, e in enumerate(sample.get("events") or [])
                 if e.get("event") == "model" and (e.get("output") or {}).get("usage")}
    for per_model in usage.values():
        for name in ("input_tokens", "output_tokens"):
            if isinstance(per_model.get(name), int):
                counts.usage[name] = counts.usage.get(name, 0) + per_model[name]


def count(path):
    counts = Counts()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("samples/") and name.endswith(".json"):
                    count_sample(json.loads(archive.read(name)), counts)
        return counts
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    for sample in log.get("samples") or []:
        count_sample(sample, counts)
    return counts


if __name__ == "__main__":
    main(["inspect-ai/*.json", "inspect-ai/*.eval"], count)
