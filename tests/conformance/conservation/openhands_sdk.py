"""Conservation for OpenHands V1 SDK event streams (one event per line, `kind`-tagged) and LLM
completion logs. Events: every event is a message or an env_messages entry, except that the
ActionEvents of one LLM response (llm_response_id) make one assistant message; every tool call
by id; every result (ObservationEvent, AgentErrorEvent, UserRejectObservation) answering a call
of the session; every text; usage from the last stats update, summed over its LLMs. Logs: the
prompt messages and the response's choices, their calls and results, the response usage."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402

RESULTS = ("ObservationEvent", "AgentErrorEvent", "UserRejectObservation")


def text_parts(value, out):
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict) and isinstance(value.get("text"), str):
        out.append(value["text"])
    elif isinstance(value, list):
        for part in value:
            text_parts(part, out)


def count_events(path):
    counted = Counts(sessions=1)
    ids, last_response, stats = set(), None, None
    with open(path, encoding="utf-8") as f:
        events = [json.loads(line) for line in f if line.strip()]
    for event in events:
        counted.messages += 1
        kind = event.get("kind")
        if kind == "ConversationStateUpdateEvent" and event.get("key") == "stats":
            stats = event.get("value")
        if kind == "ActionEvent":
            call_id = (event.get("tool_call") or {}).get("id") or event.get("tool_call_id")
            counted.tool_calls += 1
            counted.call_ids.add(call_id)
            ids.add(call_id)
            response = event.get("llm_response_id")
            if response is not None and response == last_response:
                counted.messages -= 1
            last_response = response
            text_parts(event.get("thought"), counted.texts)
        else:
            last_response = None if kind in RESULTS + ("MessageEvent", "SystemPromptEvent") else last_response
        if kind in RESULTS and event.get("tool_call_id") in ids:
            counted.tool_results += 1
        if kind == "ObservationEvent":
            text_parts((event.get("observation") or {}).get("content"), counted.texts)
        if kind == "MessageEvent":
            text_parts((event.get("llm_message") or {}).get("content"), counted.texts)
    usage = {}
    for metrics in ((stats or {}).get("usage_to_metrics") or {}).values():
        tokens = metrics.get("accumulated_token_usage") or {}
        usage["input_tokens"] = usage.get("input_tokens", 0) + tokens.get("prompt_tokens", 0)
        usage["output_tokens"] = usage.get("output_tokens", 0) + tokens.get("completion_tokens", 0)
    counted.usage = usage
    return counted


def count_log(path):
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    counted = Counts(sessions=1)
    replies = [c.get("message") for c in (log.get("response") or {}).get("choices") or [] if isinstance(c.get("message"), dict)]
    for message in (log.get("messages") or []) + replies:
        counted.messages += 1
        text_parts(message.get("content"), counted.texts)
        for call in message.get("tool_calls") or []:
            counted.tool_calls += 1
            counted.call_ids.add(call["id"])
        if message.get("role") == "tool":
            counted.tool_results += 1
    usage = (log.get("response") or {}).get("usage") or {}
    counted.usage = {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0)}
    return counted


def count(path):
    return count_events(path) if path.endswith(".jsonl") else count_log(path)


if __name__ == "__main__":
    main(["openhands-sdk/*.jsonl", "openhands-sdk/*llm-log*.json"], count)
