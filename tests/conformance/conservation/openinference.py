"""Conservation of OpenInference, OTel GenAI (deprecated gen_ai.prompt JSON) and Vercel AI SDK span
fixtures: counted from the raw attributes independently. OpenInference: the flattened
llm.input_messages / llm.output_messages indices; GenAI: the messages of gen_ai.prompt (a tool
message per tool_call_response part) plus the completion; Vercel: ai.prompt.messages (a message
per tool-result part) or ai.prompt, plus the response, for each span with a response; usage from
the call spans' token counts. Each span of the Vercel fixture is a trace of its own."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def openinference(a, counts):
    for side in ("input", "output"):
        indices = {int(m.group(1)) for k in a for m in [re.match(rf"llm\.{side}_messages\.(\d+)\.", k)] if m}
        for i in indices:
            counts.messages += 1
            prefix = f"llm.{side}_messages.{i}.message."
            if prefix + "role" in a and a[prefix + "role"] == "tool":
                counts.tool_results += 1
            for k, v in a.items():
                if k.startswith(prefix) and (k.endswith("content") or k.endswith("message_content.text")):
                    counts.texts.append(v)
                if k.startswith(prefix) and k.endswith("tool_call.id"):
                    counts.tool_calls += 1
                    counts.call_ids.add(v)
    counts.usage["input_tokens"] = counts.usage.get("input_tokens", 0) + a["llm.token_count.prompt"]
    counts.usage["output_tokens"] = counts.usage.get("output_tokens", 0) + a["llm.token_count.completion"]


def gen_ai_deprecated(a, counts):
    for m in json.loads(a["gen_ai.prompt"]):
        parts = m["parts"]
        responses = [p for p in parts if p["type"] == "tool_call_response"]
        others = [p for p in parts if p["type"] != "tool_call_response"]
        counts.messages += len(responses) + (1 if others else 0)
        counts.tool_results += len(responses)
        for p in parts:
            if p["type"] == "text":
                counts.texts.append(p["content"])
            elif p["type"] == "tool_call":
                counts.tool_calls += 1
                counts.call_ids.add(p["id"])
    counts.messages += 1
    counts.texts.append(json.loads(a["gen_ai.completion"])["text"])
    counts.usage["input_tokens"] = counts.usage.get("input_tokens", 0) + a["gen_ai.usage.input_tokens"]
    counts.usage["output_tokens"] = counts.usage.get("output_tokens", 0) + a["gen_ai.usage.output_tokens"]


def vercel_messages(messages, counts):
    for m in messages:
        content = m["content"]
        if isinstance(content, str):
            counts.messages += 1
            counts.texts.append(content)
            continue
        results = [p for p in content if p.get("type") == "tool-result"]
        counts.messages += len(results) + (1 if len(results) < len(content) else 0)
        counts.tool_results += len(results)
        counts.texts += [p["text"] for p in content if p.get("type") == "text"]


def vercel(span, counts):
    counts.sessions += 1
    a = span["attributes"]
    reply = a.get("ai.response.text", a.get("ai.response.object"))
    if reply is None:
        return  # embeddings: no chat
    if "ai.prompt.messages" in a:
        vercel_messages(json.loads(a["ai.prompt.messages"]), counts)
    else:
        prompt = json.loads(a["ai.prompt"])
        counts.messages += ("system" in prompt) + ("prompt" in prompt)
        counts.texts += [prompt[k] for k in ("system", "prompt") if isinstance(prompt.get(k), str)]
        vercel_messages(prompt.get("messages") or [], counts)
    counts.messages += 1
    counts.texts.append(reply)
    usage = {"input_tokens": a.get("gen_ai.usage.input_tokens", a.get("ai.usage.inputTokens", a.get("ai.usage.promptTokens"))),
             "output_tokens": a.get("gen_ai.usage.output_tokens", a.get("ai.usage.outputTokens", a.get("ai.usage.completionTokens")))}
    for key, value in usage.items():
        if value is not None:
            counts.usage[key] = counts.usage.get(key, 0) + value


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, list):
        for span in data:
            vercel(span, counts)
        return counts
    counts.sessions = 1
    if "openinference.span.kind" in data:
        openinference(data, counts)
    else:
        gen_ai_deprecated(data, counts)
    return counts


if __name__ == "__main__":
    main(["openinference/*span*.json"], count)
