#!/usr/bin/env python3
"""Writes the tokenizer comparison corpus: one JSON string per line (any text, lone surrogates
kept as escapes) or {"base64": ...} (raw bytes, invalid UTF-8 included).
  make_corpus.py generated > corpus           adversarial text made here
  make_corpus.py data DATA_DIR > corpus       every string of DATA_DIR's files
"""
import base64
import json
import os
import random
import sys

seen = set()
# tiktoken's merge is quadratic in a piece's length: longer texts (base64 blobs) would keep the
# reference busy for minutes. Long pieces are tested in the generated corpus and the benchmark.
LIMIT = 20000


def emit(text):
    text = text[:LIMIT]
    line = json.dumps(text, ensure_ascii=True)
    if line not in seen:
        seen.add(line)
        sys.stdout.write(line + "\n")


def emit_bytes(data):
    data = data[:LIMIT]
    line = json.dumps({"base64": base64.b64encode(data).decode()})
    if line not in seen:
        seen.add(line)
        sys.stdout.write(line + "\n")


def strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


def from_data(root):
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                raw = handle.read()
            if raw.startswith(b"version https://git-lfs"):
                continue
            texts = []
            try:
                texts = list(strings_of(json.loads(raw)))
            except (ValueError, RecursionError):
                for line in raw.splitlines():
                    try:
                        texts.extend(strings_of(json.loads(line)))
                    except (ValueError, RecursionError):
                        emit_bytes(line)  # not JSON: the line's bytes as they are
            if name == "blns.base64.json":
                for text in list(texts):
                    try:
                        emit_bytes(base64.b64decode(text))
                    except ValueError:
                        pass
            for text in texts:
                emit(text)


def generated():
    rng = random.Random(15)
    for char in ["a", "A", " ", "\n", "1", "!", "\u00e9", "\u4e00", "\U0001F600", "\t", "'", "\r\n"]:
        for length in [1, 2, 3, 7, 64, 127, 128, 129, 1000, 5000]:
            emit(char * length)
    emit("The quick brown fox jumps over the lazy dog. One of the best of the rest, of course.")
    emit("x" + " " * 300 + "y")
    emit("123456789012345678901234567890 1,234,567.89 -0.5e10 0x1F 007")
    emit("I'm you'RE they've she'll he'd it's I'M DON'T ſ's 's'S")
    emit("HelloWorld camelCase XMLHttpRequest ÀÉÎõü ǅungla ʰʲ iPhone McDonald's")
    emit("a\u0301\u0302 e\u0308 \u0915\u093f\u0928\u094d\u0926\u0940 \u0e01\u0e34\u0e19")
    emit("👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇩🇪 ❤️ ☝🏿 👩🏻‍💻")
    emit("  \n\n  \t\u00a0\u2003\u3000x\u180ey \u2028\u2029\u0085 \u200b\ufeff end  ")
    emit("Русский текст, 中文文本，日本語のテキスト、한국어 텍스트، نص عربي، טקסט עברי")
    emit("<|endoftext|> <|fim_prefix|>x<|fim_middle|>y<|fim_suffix|> <|endofprompt|><|endoftext|>")
    # A surrogate arrives as an escape (rapidjson decodes \udc00 to ED B0 80): one U+FFFD.
    emit("lone \udc00 low, lone \ud800 high, pair \ud83d\ude00, reversed \ude00\ud83d")
    emit("path/to/file.py:12:3 https://example.com/a?b=c&d=e#f {\"json\": [1, 2]} <tag attr='v'/>")
    emit("def f(x):\n    return x ** 2  # comment\n\n\n\tif x:\n\t\tpass\n")
    emit("")
    for invalid in [b"\xff", b"a\x80b", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xed\x9f\xbf\xed",
                    b"\xc0\xaf", b"\xf5\x80\x80\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80",
                    b"ok \xe2\x82\xac then \xe2\x82 and \xf0\x9f\x98\x80 \xfe\xfe"]:
        emit_bytes(invalid)
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " \t\n\r\x0b\x0c",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "éèàçñöüßÆØÅ", "αβγδΑΒΓΔ", "абвгдАБВГД", "日本語中文字",
        "한국어", "\u0301\u0308\u093f\u094d", "\u00a0\u2003\u3000\u180e\u2028\u0085", "٠١٢٣४५६", "ǅǈǋ", "ʰʲˠ",
        "😀👍🏽🏿‍", "ſK",
    ]
    for _ in range(3000):
        length = rng.choice([1, 2, 3, 5, 8, 13, 40, 200])
        pool = "".join(rng.sample(pools, rng.randint(1, 4)))
        emit("".join(rng.choice(pool) for _ in range(length)))
    # Every code point of the Basic Multilingual Plane and beyond, in small groups, so any
    # disagreement on a Unicode category shows.
    for start in list(range(0, 0x40000, 64)) + list(range(0xE0000, 0xE1000, 64)):
        chars = [chr(c) for c in range(start, start + 64) if not 0xD800 <= c <= 0xDFFF]
        emit(" ".join(chars))
        emit("a" + "".join(chars) + "1")


if __name__ == "__main__":
    if sys.argv[1:2] == ["generated"]:
        generated()
    elif sys.argv[1:2] == ["data"] and len(sys.argv) == 3:
        from_data(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
