"""Conservation of NVIDIA ATOF event streams (harbor-atif/*atof*.jsonl), counted from the raw
lines independently of trace-normalize: a session per root scope (parent_uuid null); its LLM
scopes in time order, each prompt (provider-native: OpenAI messages, Anthropic messages with
content blocks, Gemini contents) adding only what the conversation does not already end with,
then its reply; tool scope results the prompts do not show; the agent's input when no prompt
holds it and its answer when the last reply does not say it; marks carrying a role. Tool calls
by id (Anthropic tool_use, OpenAI tool_calls, Gemini functionCall), every text, usage summed
once per LLM call."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def micros(ts):
    if isinstance(ts, int):
        return ts
    from datetime import datetime
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1_000_000)


def blocks_text(content, texts):
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, dict):
                for key in ("text",):
                    if isinstance(block.get(key), str):
                        texts.append(block[key])
                if block.get("type") == "tool_result":
                    blocks_text(block.get("content"), texts)


class Calls:
    def __init__(self, counts):
        self.counts, self.seen, self.results = counts, set(), set()

    def call(self, call_id, name):
        key = call_id or f"{name}#{len(self.seen)}"
        if call_id and call_id in self.seen:
            return
        self.seen.add(key)
        self.counts.tool_calls += 1
        if call_id:
            self.counts.call_ids.add(call_id)
        self.counts.texts.append(name)

    def result(self, call_id):
        if call_id not in self.results:
            self.results.add(call_id)
            self.counts.tool_results += 1


def provider_messages(payload, calls, texts):
    """Messages as (key, role, tool_result_id) of a request or reply payload."""
    out = []
    if payload is None:
        return out
    if isinstance(payload, str):
        texts.append(payload)
        return [(json.dumps(["user", payload]), "user", None)]
    if "choices" in payload:  # OpenAI chat completion
        payload = payload["choices"][0]["message"]
    if "candidates" in payload:  # Gemini response
        payload = {"contents": [payload["candidates"][0]["content"]]}
    system = payload.get("system")
    if system:
        blocks_text(system, texts)
        out.append((json.dumps(["system", system]), "system", None))
    items = payload.get("messages")
    if items is None and "contents" in payload:
        for content in payload["contents"]:
            role = "assistant" if content.get("role") == "model" else content.get("role", "user")
            plain = []
            for part in content.get("parts") or []:
                if "functionCall" in part:
                    calls.call(part["functionCall"].get("id"), part["functionCall"]["name"])
                    plain.append(part)
                elif "functionResponse" in part:
                    out.append((json.dumps(["tool", part]), "tool", part["functionResponse"].get("id") or part["functionResponse"]["name"]))
                else:
                    if isinstance(part.get("text"), str):
                        texts.append(part["text"])
                    plain.append(part)
            if plain:
                out.append((json.dumps([role, plain]), role, None))
        return out
    if items is None:
        items = [payload]  # a single message (a reply)
    for m in items:
        role = m.get("role", "assistant")
        content = m.get("content")
        if role == "tool":
            blocks_text(content, texts)
            out.append((json.dumps(["tool", m.get("tool_call_id"), content]), "tool", m.get("tool_call_id")))
            continue
        call_ids = []
        for call in m.get("tool_calls") or []:
            calls.call(call.get("id"), (call.get("function") or {}).get("name") or call.get("name"))
            call_ids.append(call.get("id"))
        if isinstance(content, list):
            rest = []
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    blocks_text(block.get("content"), texts)
                    out.append((json.dumps(["tool", block]), "tool", block.get("tool_use_id")))
                    continue
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    calls.call(block.get("id"), block["name"])
                rest.append(block)
            blocks_text(rest, texts)
            if rest:
                out.append((json.dumps([role, rest]), role, None))
        elif call_ids:  # a turn that made calls is known by its calls' ids (a prompt may repeat it in short)
            blocks_text(content, texts)
            out.append((json.dumps(["calls", call_ids]), role, None))
        else:
            blocks_text(content, texts)
            out.append((json.dumps([role, content, None]), role, None))
    return out


def usage_of(data):
    usage = (data or {}).get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return {}
    if "prompt_tokens" in usage:
        return {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0)}
    return {"input_tokens": usage.get("input_tokens", 0) + usage.get("cache_read_input_tokens", 0) +
            usage.get("cache_creation_input_tokens", 0), "output_tokens": usage.get("output_tokens", 0)}


def count_session(events, counts):
    counts.sessions += 1
    calls = Calls(counts)
    events.sort(key=lambda e: micros(e["timestamp"]))
    starts = {e["uuid"]: e for e in events if e.get("kind") == "scope" and e.get("scope_category") == "start"}
    keys, pending, root_in, root_out, first_prompt, last_reply = [], [], None, None, None, None
    for e in events:
        if e.get("kind") == "mark":
            data = e.get("data") or {}
            if isinstance(data, dict) and data.get("role") in ("user", "system", "agent", "assistant"):
                counts.messages += 1
                blocks_text(data.get("content", data.get("message")), counts.texts)
            continue
        if e.get("scope_category") != "end":
            if e.get("parent_uuid") is None:
                root_in = e.get("data")
            continue
        category = e.get("category")
        if e.get("parent_uuid") is None:
            root_out = e.get("data")
        elif category == "tool":
            result = e.get("data")
            blocks_text(result.get("result", result.get("output")) if isinstance(result, dict) else result, counts.texts)
            pending.append(((e.get("category_profile") or {}).get("tool_call_id"), e["name"]))
        elif category == "llm":
            start = starts.get(e["uuid"], {})
            prompt = provider_messages(start.get("data"), calls, counts.texts)
            if first_prompt is None:
                first_prompt = prompt
            shown = {p[2] for p in prompt if p[1] == "tool"}
            for call_id, _ in [p for p in pending if p[0] not in shown]:
                keys.append(json.dumps(["tool-result", call_id]))
                calls.result(call_id)
            pending = []  # shown by the prompt, or appended just now
            overlap = min(len(prompt), len(keys))
            while overlap and [p[0] for p in prompt[:overlap]] != keys[len(keys) - overlap:]:
                overlap -= 1
            for key, role, result_id in prompt[overlap:]:
                keys.append(key)
                if role == "tool":
                    calls.result(result_id)
            reply = provider_messages(e.get("data"), calls, counts.texts)
            keys += [r[0] for r in reply]
            last_reply = e.get("data")
            for name, value in usage_of(e.get("data")).items():
                counts.usage[name] = counts.usage.get(name, 0) + value
    for call_id, _ in pending:
        keys.append(json.dumps(["tool-result", call_id]))
        calls.result(call_id)
    counts.messages += len(keys)
    def said(data, names):
        if isinstance(data, str):
            return data
        if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), str):
            return next(iter(data.values()))
        return next((data[k] for k in names if isinstance(data, dict) and isinstance(data.get(k), str)), None)
    given = said(root_in, ("input",))
    if given is not None:
        counts.texts.append(given)
        if not any(json.dumps(["user", given, None]) == p[0] for p in first_prompt or []):
            counts.messages += 1
    answer = said(root_out, ("response", "output"))
    if answer is not None:
        counts.texts.append(answer)
        reply_text = None
        if isinstance(last_reply, dict):
            if "choices" in last_reply:
                last_reply = last_reply["choices"][0]["message"]
            texts = []
            blocks_text(last_reply.get("content"), texts)
            reply_text = "".join(texts)
        if answer != reply_text:
            counts.messages += 1


def count(path):
    counts = Counts()
    session = []
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        event = json.loads(line)
        if event.get("kind") == "scope" and event.get("parent_uuid") is None and event.get("scope_category") == "start" and session:
            count_session(session, counts)
            session = []
        session.append(event)
    if session:
        count_session(session, counts)
    return counts


if __name__ == "__main__":
    main(["harbor-atif/*atof*.jsonl"], count)
