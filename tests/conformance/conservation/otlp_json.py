"""Conservation of OTLP/JSON trace documents: every span lands in its trace's session (as a
message, or whole in events), one session per distinct trace id; counted from the raw document."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Counts, main  # noqa: E402


def count(path):
    counts = Counts()
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    traces = set()
    for rs in doc["resourceSpans"]:
        for ss in rs.get("scopeSpans", []):
            for span in ss["spans"]:
                traces.add(span["traceId"].lower())
                counts.texts.append(span["name"])
                for kv in span.get("attributes", []):
                    counts.texts += [v for v in kv["value"].values() if isinstance(v, str)]
        for kv in rs.get("resource", {}).get("attributes", []):
            counts.texts.append(kv["value"].get("stringValue"))
    counts.sessions = len(traces)
    return counts


if __name__ == "__main__":
    main(["otel-proto/*.json"], count)
