"""Conservation of mozilla-ai any-agent traces (OpenTelemetry GenAI spans): counted from the raw
spans independently. The first LLM span's input messages, one reply per LLM span, one result per
execute_tool span; tool calls are the {tool.name, tool.args} items of an LLM span's output;
usage sums the LLM spans' gen_ai.usage counts (the agent span carries none)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        trace = json.load(f)
    counts.sessions = 1
    for span in trace["spans"]:
        a = span["attributes"]
        operation = a.get("gen_ai.operation.name")
        if operation == "call_llm":
            for m in json.loads(a.get("gen_ai.input.messages", "[]")):
                counts.messages += 1
                counts.texts.append(m["content"])
            counts.messages += 1
            output = a.get("gen_ai.output")
            try:
                items = json.loads(output)
            except (TypeError, ValueError):
                items = None
            if isinstance(items, list) and items and all(isinstance(i, dict) and "tool.name" in i for i in items):
                for item in items:
                    counts.tool_calls += 1
                    counts.texts.append(item["tool.name"])
            else:
                counts.texts.append(output)
            for key, name in (("gen_ai.usage.input_tokens", "input_tokens"), ("gen_ai.usage.output_tokens", "output_tokens")):
                if key in a:
                    counts.usage[name] = counts.usage.get(name, 0) + a[key]
        elif operation == "execute_tool":
            counts.messages += 1
            counts.tool_results += 1
            counts.texts.append(a.get("gen_ai.output"))
            if "gen_ai.tool.call.id" in a:
                counts.call_ids.add(a["gen_ai.tool.call.id"])
    return counts


if __name__ == "__main__":
    main(["any-agent/*_trace.json"], count)
