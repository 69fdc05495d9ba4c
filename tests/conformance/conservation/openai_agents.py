"""Conservation of OpenAI Agents SDK exports. RunState: the original input (a string is one
message; a list, one per item), then the generated items' raw items (pending approvals repeat
their call and are not counted): an assistant text and the function calls after it are one
message, each function output a tool message; usage from context.usage. Trace exports: each
function span is a call and its result. Counted from the raw files; trace exports are checked
again with their items one per line."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def count_items(items, counts):
    open_turn = False
    for item in items:
        kind = item.get("type")
        if kind == "function_call":
            counts.tool_calls += 1
            counts.call_ids.add(item["call_id"])
            counts.texts.append(item["name"])
            if not open_turn:
                counts.messages += 1
            open_turn = True
        elif kind == "function_call_output":
            counts.tool_results += 1
            counts.messages += 1
            open_turn = False
        elif item.get("role") == "assistant":
            counts.messages += 1
            open_turn = True
        elif kind != "reasoning":
            counts.messages += 1
            open_turn = False


def count(path):
    counts = Counts(sessions=1)
    doc = json.load(open(path, encoding="utf-8"))
    if "$schemaVersion" in doc:
        original = doc.get("original_input")
        items = [{"role": "user", "content": original}] if isinstance(original, str) else list(original or [])
        if isinstance(original, str):
            counts.texts.append(original)
        items += [i["raw_item"] for i in doc.get("generated_items", []) if i.get("type") != "tool_approval_item"]
        count_items(items, counts)
        usage = (doc.get("context") or {}).get("usage") or {}
        for key in ("input_tokens", "output_tokens"):
            if isinstance(usage.get(key), int):
                counts.usage[key] = usage[key]
        return counts
    for span in doc.get("spans") or doc.get("data") or []:
        data = span.get("span_data") or {}
        if data.get("type") == "function":
            counts.messages += 2
            counts.tool_calls += 1
            counts.tool_results += 1
            counts.texts += [data["name"]] + ([data["output"]] if isinstance(data.get("output"), str) else [])
    return counts


def split_items(path, scratch):
    """A trace export as the SDK's exporter and file processors also write it: the first item
    in a `data` batch, the rest one per line; must count as the document did."""
    doc = json.load(open(path, encoding="utf-8"))
    items = doc.get("spans") or doc.get("data") or []
    if "$schemaVersion" in doc or len(items) < 2:
        return []
    out = os.path.join(scratch, os.path.basename(path) + ".lines.ndjson")
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps({"data": items[:1]}) + "\n")
        for item in items[1:]:
            f.write(json.dumps(item) + "\n")
    return [out]


if __name__ == "__main__":
    main(["openai-agents-sdk/*.json"], count, variants=split_items)
