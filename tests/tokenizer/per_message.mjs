// Checks trace-tokens' per_message counts against tiktoken (npm): each message's content
// (a string, or its text and refusal parts), refusal, and tool calls' names and arguments,
// each encode_ordinary(text).length. Prints "N messages checked" or the first mismatches.
//   node per_message.mjs NODE_MODULES ENCODING < trace-tokens-output
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const [moduleDir, encodingName] = process.argv.slice(2);
const { get_encoding } = createRequire(resolve(moduleDir) + "/")("tiktoken");
const encoding = get_encoding(encodingName);
const count = (text) => (typeof text === "string" ? encoding.encode_ordinary(text).length : 0);
const callTokens = (fn) => (fn && typeof fn === "object" ? count(fn.name) + count(fn.arguments) : 0);
function messageTokens(message) {
  if (!message || typeof message !== "object" || Array.isArray(message)) return 0;
  let tokens = count(message.refusal);
  if (typeof message.content === "string") tokens += count(message.content);
  if (Array.isArray(message.content)) {
    for (const part of message.content) if (part && typeof part === "object") tokens += count(part.text) + count(part.refusal);
  }
  if (Array.isArray(message.tool_calls)) for (const call of message.tool_calls) if (call) tokens += callTokens(call.function);
  tokens += callTokens(message.function_call);
  return tokens;
}
let checked = 0, mismatches = 0;
for (const line of readFileSync(0, "utf8").split("\n")) {
  if (!line) continue;
  const record = JSON.parse(line);
  const expected = record.messages.map(messageTokens);
  const got = record.tokens.per_message;
  const total = expected.reduce((a, b) => a + b, 0);
  if (JSON.stringify(expected) !== JSON.stringify(got) || total !== record.tokens.total) {
    if (++mismatches <= 5) console.log(`MISMATCH: tiktoken ${JSON.stringify(expected)} (${total}), trace-tokens ${JSON.stringify(got)} (${record.tokens.total})`);
  }
  checked += expected.length;
}
encoding.free();
console.log(`${checked} messages checked, ${mismatches} records differ`);
process.exit(mismatches === 0 && checked > 0 ? 0 : 1);
