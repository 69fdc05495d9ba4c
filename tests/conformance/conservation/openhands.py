"""Conservation for OpenHands (V0) event streams (a JSON array of events) and evaluation /
resolver output lines ({history: [events], metrics, ...}). Every event is a message or an
env_messages entry, except that the actions of one model response (tool_call_metadata with
one model_response.id) make one assistant message; every tool call by id; every observation
answering a call of the session; the actions of CodeAct before function calling (no
tool_call_metadata: an agent's action, or any but bookkeeping where no source is named) as calls,
answered by the observation whose cause names them, or with no cause by the oldest open one;
every text; and the run's token counts (metrics, else the last
event's llm_metrics, else each model response's usage once)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def add_session(events, metrics, counted):
    counted.sessions += 1
    flat = []
    for event in events:
        flat.extend(event if isinstance(event, list) else [event])
    responses, ids, response_usage, last_metrics = [], set(), {}, None
    open_actions = []  # ids of legacy actions not answered yet, oldest first
    not_agent = {"change_agent_state", "null", "start", "initialize", "recall", "message", "system"}
    for event in flat:
        counted.messages += 1
        if not isinstance(event, dict):
            continue
        if isinstance(event.get("llm_metrics"), dict):
            last_metrics = event["llm_metrics"]
        for key in ("message", "content", "thought"):
            if isinstance(event.get(key), str):
                counted.texts.append(event[key])
        if isinstance((event.get("args") or {}).get("content"), str):
            counted.texts.append(event["args"]["content"])
        meta = event.get("tool_call_metadata")
        if not isinstance(meta, dict):
            action, observation = event.get("action"), event.get("observation")
            if isinstance(action, str) and action not in not_agent and event.get("source", "agent") == "agent":
                counted.tool_calls += 1
                open_actions.append(str(event.get("id")))
            elif isinstance(observation, str) and observation != "agent_state_changed" and open_actions:
                cause = event.get("cause")
                if cause is None:
                    open_actions.pop(0)
                    counted.tool_results += 1
                elif str(cause) in open_actions:
                    open_actions.remove(str(cause))
                    counted.tool_results += 1
            continue
        if not isinstance(meta, dict) or "tool_call_id" not in meta:
            continue
        response = meta.get("model_response") or {}
        if "action" in event:
            counted.tool_calls += 1
            counted.call_ids.add(meta["tool_call_id"])
            ids.add(meta["tool_call_id"])
            rid = response.get("id")
            if rid is not None and responses and responses[-1] == rid:
                counted.messages -= 1  # a further call of the same response: same assistant message
            if rid not in responses and isinstance(response.get("usage"), dict):
                for source, name in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
                    response_usage[name] = response_usage.get(name, 0) + response["usage"].get(source, 0)
            responses.append(rid)
        elif "observation" in event and meta["tool_call_id"] in ids:
            counted.tool_results += 1
    chosen = metrics if isinstance(metrics, dict) else last_metrics
    accumulated = (chosen or {}).get("accumulated_token_usage")
    if isinstance(accumulated, dict):
        usage = {"input_tokens": accumulated.get("prompt_tokens", 0), "output_tokens": accumulated.get("completion_tokens", 0)}
    else:
        usage = response_usage
    for name, value in usage.items():
        counted.usage[name] = counted.usage.get(name, 0) + value


def count(path):
    counted = Counts()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".jsonl"):
        for line in text.splitlines():
            if line.strip():
                record = json.loads(line)
                add_session(record.get("history") or [], record.get("metrics"), counted)
    else:
        add_session(json.loads(text), None, counted)
    return counted


if __name__ == "__main__":
    main(["openhands/*.json", "openhands/*output*.jsonl"], count,
         skip=lambda path: os.path.basename(path).startswith("example_model_output"))
