"""Langfuse trace exports against Langfuse's own expected ChatML.

Each <name>.trace.json comes with <name>.chatml.json: per observation id, the ChatML messages
Langfuse's normaliser makes of its input and output. The conversation expected of
    trace-read | trace-normalize | trace-pair --mode trajectory
is rebuilt here from those ChatML lists: the LLM calls (GENERATION observations with no
GENERATION below them, holding an input or an output) in startTime order, each call's input
appended without the messages the conversation already ends with, then its output.

The differences allowed are coded below (ALLOWED), each documented in the manual
(tools/trace-normalize/README.md, "Langfuse trace exports"):
  unparsed   - Langfuse could not parse a payload (success: false, or messages without a role):
               a string prompt is expected as one user message, a string completion as one
               assistant message, {message: ...} as that message.
  model-role - Gemini's role "model" is "assistant".
  not-chat   - `tools` (tool definitions) and `json` (provider fields) members are not part of
               a message: they stay in the session's events.
  call-form  - tool calls in OpenAI form {id, type, function: {name, arguments}}; arguments
               compared as JSON values; a call id the source lacks (Gemini) is made, so an empty
               expected id matches any.
  empty-text - "" content beside tool calls is null; a list of text parts is their text.
  tool-id    - a tool message without tool_call_id in Langfuse's output may have one in ours.
  text-calls - content that is JSON text of OpenAI tool calls (Koog) is those calls, on an
               assistant message (Koog repeats them as role "tool").
  rewritten-history - a prompt sharing only its start with the conversation replaces what
               followed (the replaced messages are kept as a trace/v1 branch, not in the trajectory).
  gemini-result - a Gemini function_response, a "user" message for Langfuse, is a tool message.
Usage: python3 langfuse_chatml.py BIN_DIR DATA_DIR   (exit 77 when DATA_DIR/langfuse is absent)
"""
import glob
import json
import os
import subprocess
import sys

SKIP = 77


def decoded(value):
    while isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return value


def llm_calls(export):
    observations = export.get("observations") or export.get("trace", {}).get("observations") or []
    by_id = {o["id"]: o for o in observations}
    generation_below = set()
    for o in observations:
        if o.get("type") == "GENERATION":
            p, steps = o.get("parentObservationId"), 0
            while p in by_id and steps < len(observations):
                generation_below.add(p)
                p, steps = by_id[p].get("parentObservationId"), steps + 1
    calls = [o for o in observations if o.get("type") == "GENERATION" and o["id"] not in generation_below
             and (o.get("input") is not None or o.get("output") is not None)]
    return sorted(calls, key=lambda o: o.get("startTime") or "")  # stable: ties keep export order


def text_of_parts(content):
    if isinstance(content, list) and content and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return "".join(p.get("text", "") for p in content) if len(content) == 1 else content
    return content


def normal(message):
    """ALLOWED: model-role, not-chat, call-form, empty-text."""
    role = message.get("role")
    role = "assistant" if role == "model" else role
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or call
        calls.append({"id": call.get("id") or "", "name": function.get("name"),
                      "arguments": decoded(function.get("arguments"))})
    content = text_of_parts(message.get("content"))
    listed = decoded(content) if isinstance(content, str) and content.startswith("[") else None
    if isinstance(listed, list) and listed and all(isinstance(c, dict) and "function" in c and "id" in c for c in listed):
        role, content = "assistant", None  # ALLOWED: text-calls
        calls = [{"id": c["id"], "name": c["function"].get("name"), "arguments": decoded(c["function"].get("arguments"))}
                 for c in listed]
    if content == "" and calls:
        content = None
    out = {"role": role, "content": content}
    if calls:
        out["tool_calls"] = calls
    if message.get("tool_call_id"):
        out["tool_call_id"] = message["tool_call_id"]
    return out


def expected_side(side, raw, default_role):
    """ALLOWED: unparsed."""
    if side is None:
        return []
    data = side.get("data") if side.get("success") else None
    if data is not None and all("role" in m for m in data):
        return [normal(m) for m in data]
    value = decoded(raw)
    if isinstance(value, str):
        return [{"role": default_role, "content": value}]
    if isinstance(value, dict) and isinstance(value.get("message"), dict):
        return [normal(value["message"])]
    return None  # neither Langfuse nor a plain rule gives a reference: the call is not compared


def same(expected, actual):
    gemini_result = expected["role"] == "user" and actual["role"] == "tool"  # ALLOWED: gemini-result
    if (expected["role"] != actual["role"] and not gemini_result) or expected["content"] != actual["content"]:
        return False
    e_calls, a_calls = expected.get("tool_calls", []), actual.get("tool_calls", [])
    if len(e_calls) != len(a_calls):
        return False
    for e, a in zip(e_calls, a_calls):
        if e["name"] != a["name"] or e["arguments"] != a["arguments"] or (e["id"] and e["id"] != a["id"]):
            return False
    # ALLOWED: tool-id (only an expected id must be matched)
    return not expected.get("tool_call_id") or expected.get("tool_call_id") == actual.get("tool_call_id")


def expected_conversation(export, chatml):
    conversation = []
    for call in llm_calls(export):
        entry = chatml.get(call["id"]) or {}
        prompt = expected_side(entry.get("input"), call.get("input"), "user")
        reply = expected_side(entry.get("output"), call.get("output"), "assistant")
        if prompt is None or reply is None:
            return None
        overlap = min(len(prompt), len(conversation))
        while overlap > 0 and not all(same(prompt[i], conversation[len(conversation) - overlap + i])
                                      for i in range(overlap)):
            overlap -= 1
        if overlap == 0:  # ALLOWED: rewritten-history (the replaced messages are a branch)
            common = 0
            while common < min(len(prompt), len(conversation)) and same(prompt[common], conversation[common]):
                common += 1
            if 0 < common < len(conversation):
                conversation, overlap = conversation[:common], common
        conversation += prompt[overlap:] + reply
    return conversation


def run(bin_dir, path):
    read = subprocess.Popen([f"{bin_dir}/trace-read", path], stdout=subprocess.PIPE)
    normalize = subprocess.Popen([f"{bin_dir}/trace-normalize"], stdin=read.stdout, stdout=subprocess.PIPE)
    read.stdout.close()
    pair = subprocess.run([f"{bin_dir}/trace-pair", "--mode", "trajectory"], stdin=normalize.stdout,
                          capture_output=True, check=True)
    normalize.wait()
    lines = [json.loads(line) for line in pair.stdout.decode().splitlines() if line.strip()]
    return lines[0]["messages"] if lines else []


def main():
    bin_dir, data_dir = sys.argv[1], sys.argv[2]
    paths = sorted(glob.glob(os.path.join(data_dir, "langfuse", "*.trace.json")))
    if not paths:
        print("skip: no Langfuse exports")
        sys.exit(SKIP)
    problems = compared = 0
    for path in paths:
        name = os.path.basename(path)
        chatml_path = path.replace(".trace.json", ".chatml.json")
        if not os.path.exists(chatml_path):
            continue
        export = json.load(open(path, encoding="utf-8"))
        expected = expected_conversation(export, json.load(open(chatml_path, encoding="utf-8")))
        if expected is None:
            print(f"{name}: no reference for some call: not compared")
            continue
        actual = [normal(m) for m in run(bin_dir, path)]
        compared += 1
        if os.environ.get("TRACE_CHATML_NEGATIVE_CONTROL") and compared == 1:
            expected = expected + [{"role": "user", "content": "a message no trace holds"}]
        if len(expected) != len(actual) or not all(same(e, a) for e, a in zip(expected, actual)):
            problems += 1
            for i in range(max(len(expected), len(actual))):
                e = expected[i] if i < len(expected) else None
                a = actual[i] if i < len(actual) else None
                if e is None or a is None or not same(e, a):
                    print(f"{name}: message {i}: expected {json.dumps(e)[:300]}\n    got {json.dumps(a)[:300]}")
                    break
    print(f"{compared} traces compared, {problems} differ")
    sys.exit(1 if problems or compared == 0 else 0)


if __name__ == "__main__":
    main()
