"""Conservation of Langfuse trace exports: the conversation of the LLM calls (GENERATION
observations with no GENERATION below them, by startTime), each call's prompt counted without
the messages the conversation already ends with; tool calls and results; the usage of the
deepest observations with usage. Counted from the raw export with this file's own reading of
the payload forms (OpenAI, OTel GenAI parts, Gemini contents, Vercel, LangChain)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402

ROLES = {"model": "assistant", "ai": "assistant", "human": "user", "developer": "system"}


def decoded(value):
    while isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return value


def keys_of(m, default_role, ranks):
    """(role, texts, call names or ids) per message a raw message makes; tool results apart."""
    if isinstance(m, str):
        return [(default_role, (m,), ())]
    role = ROLES.get(m.get("role") or m.get("type"), m.get("role") or m.get("type") or default_role)
    body = m.get("parts") if "parts" in m else m.get("content", m.get("text"))
    if role == "tool" and isinstance(body, dict) and body.get("type") == "function" and not m.get("tool_call_id"):
        return []  # a tool definition
    texts, calls, out = [], [], []
    listed = decoded(body) if isinstance(body, str) and body.startswith("[") else None
    if isinstance(listed, list) and listed and all(isinstance(c, dict) and "function" in c and "id" in c for c in listed):
        # Koog: a reply's calls written as JSON text (repeated in later prompts as role tool)
        return [("assistant" if role == "assistant" else "assistant/" + role, (), tuple(c["id"] for c in listed))]
    if isinstance(body, str) and body != "":
        texts.append(body)
    elif isinstance(body, (dict, int, float)) and not isinstance(body, bool):
        texts.append(json.dumps(body))
    for part in body if isinstance(body, list) else []:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type", "")
        call = part.get("function_call") or part.get("functionCall")
        result = part.get("function_response") or part.get("functionResponse")
        if call:
            name = call.get("name")
            calls.append(call.get("id") or f"{name}#{ranks.setdefault(name, [0])[0]}")
            ranks[name][0] += 1
        elif result:
            out.append(("tool", (), ()))
        elif kind in ("tool_call", "tool-call", "tool_use"):
            calls.append(part.get("id") or part.get("toolCallId"))
        elif kind in ("tool_call_response", "tool-result", "tool_result"):
            out.append(("tool", (), ()))
        elif isinstance(part.get("text", part.get("content")), str):
            texts.append(part.get("text", part.get("content")))
    for call in m.get("tool_calls") or (m.get("additional_kwargs") or {}).get("tool_calls") or []:
        calls.append(call.get("id"))
    if texts or calls or not out:
        out.insert(0, (role, tuple(texts), tuple(calls)))
    return out


def side_keys(value, default_role, ranks):
    value = decoded(value)
    if value is None:
        return []
    if isinstance(value, dict):
        if "messages" in value:
            value = value["messages"]
        elif "contents" in value:
            system = (value.get("config") or {}).get("system_instruction")
            return ([("system", (system,), ())] if system else []) + side_keys(value["contents"], default_role, ranks)
        elif "choices" in value:
            value = value["choices"][0]["message"]
        elif isinstance(value.get("content"), dict):
            value = value["content"]
        elif "message" in value and "role" not in value:
            value = value["message"]
    if isinstance(value, list) and value and all(isinstance(v, dict) and "toolCallId" in v for v in value):
        return [("assistant", (), tuple(v["toolCallId"] for v in value))]
    keys = []
    for m in value if isinstance(value, list) else [value]:
        keys += keys_of(m, default_role, ranks)
    return keys


def texts_of(key):
    return [t for t in key[1] if isinstance(t, str)]


def count(path):
    counts = Counts(sessions=1)
    export = json.load(open(path, encoding="utf-8"))
    observations = export.get("observations") or export["trace"].get("observations") or []
    by_id = {o["id"]: o for o in observations}
    generation_below, usage_below = set(), set()
    for o in observations:
        p = o.get("parentObservationId")
        has_usage = any(isinstance(v, int) for v in (o.get("usageDetails") or {}).values())
        while p in by_id:
            if o.get("type") == "GENERATION":
                generation_below.add(p)
            if has_usage:
                usage_below.add(p)
            p = by_id[p].get("parentObservationId")
    for o in observations:
        u = o.get("usageDetails") or {}
        if o["id"] in usage_below or not any(isinstance(v, int) for v in u.values()):
            continue
        main_in, main_out = u.get("input", 0), u.get("output", 0)
        details_in = sum(v for k, v in u.items() if k.startswith(("input_", "prompt_details")) and isinstance(v, int))
        details_out = sum(v for k, v in u.items() if k.startswith(("output_", "completion_details")) and isinstance(v, int))
        buckets = u.get("total") == main_in + main_out + details_in + details_out != main_in + main_out
        if "input" in u:
            counts.usage["input_tokens"] = counts.usage.get("input_tokens", 0) + main_in + (details_in if buckets else 0)
        if "output" in u:
            counts.usage["output_tokens"] = counts.usage.get("output_tokens", 0) + main_out + (details_out if buckets else 0)
    calls = sorted((o for o in observations if o.get("type") == "GENERATION" and o["id"] not in generation_below
                    and (o.get("input") is not None or o.get("output") is not None)),
                   key=lambda o: o.get("startTime") or "")
    conversation, branches = [], []
    for call in calls:
        ranks = {}
        prompt = side_keys(call.get("input"), "user", ranks)
        reply = side_keys(call.get("output"), "assistant", ranks)
        overlap = min(len(prompt), len(conversation))
        while overlap and prompt[:overlap] != conversation[len(conversation) - overlap:]:
            overlap -= 1
        if overlap == 0:  # a prompt rewriting what followed its start: the old version is a branch
            common = 0
            while common < min(len(prompt), len(conversation)) and prompt[common] == conversation[common]:
                common += 1
            if 0 < common < len(conversation):
                branches += conversation[common:]
                conversation, overlap = conversation[:common], common
        conversation += prompt[overlap:] + reply
    for key in conversation + branches:
        counts.messages += 1
        counts.texts += texts_of(key)
        counts.tool_calls += len(key[2])
        counts.call_ids |= {c for c in key[2] if c and "#" not in c}
        counts.tool_results += key[0] == "tool"
    return counts


if __name__ == "__main__":
    main(["langfuse/*.trace.json"], count)
