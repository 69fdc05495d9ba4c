// The reference: tiktoken (npm, the Rust core compiled to WebAssembly) over the same corpus
// as encode_corpus, one "COUNT ID ID ..." line per corpus line.
//   node reference.mjs TIKTOKEN_MODULE_DIR ENCODING ordinary|all < corpus > ids
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const [moduleDir, encodingName, mode] = process.argv.slice(2);
const require = createRequire(resolve(moduleDir) + "/");
const { get_encoding } = require("tiktoken");
const encoding = get_encoding(encodingName);
// WHATWG decoding (each invalid subsequence is U+FFFD, a BOM is text), except the one rule the
// tokenizer adds: a surrogate's 3 bytes (ED A0..BF 80..BF) are one U+FFFD, as tiktoken counts a
// lone surrogate (the form such bytes have in the JSON the tools read, \udc00).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
function bytesToText(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0xed && i + 2 < bytes.length && bytes[i + 1] >= 0xa0 && bytes[i + 1] <= 0xbf &&
        bytes[i + 2] >= 0x80 && bytes[i + 2] <= 0xbf) {
      out.push(0xef, 0xbf, 0xbd);
      i += 2;
    } else {
      out.push(bytes[i]);
    }
  }
  return decoder.decode(Uint8Array.from(out));
}
const lines = readFileSync(0, "utf8").split("\n");
if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
const out = [];
for (const line of lines) {
  const value = JSON.parse(line);
  const text = typeof value === "string" ? value : bytesToText(Buffer.from(value.base64, "base64"));
  const ids = mode === "all" ? encoding.encode(text, "all") : encoding.encode_ordinary(text);
  out.push(ids.length + (ids.length ? " " + Array.from(ids).join(" ") : ""));
}
encoding.free();
process.stdout.write(out.length ? out.join("\n") + "\n" : "");
