// The reference's speed on the same corpus as bench_tokens: tiktoken (npm) encode_ordinary,
// texts decoded before timing, one core.
//   node tokens_reference.mjs NODE_MODULES ENCODING CORPUS
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const [moduleDir, encodingName, corpus] = process.argv.slice(2);
const { get_encoding } = createRequire(resolve(moduleDir) + "/")("tiktoken");
const encoding = get_encoding(encodingName);
const texts = readFileSync(corpus, "utf8").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line));
const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text, "utf8"), 0);
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
let tokens = 0;
for (const text of texts) tokens += encoding.encode_ordinary(text).length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpuUsed = process.cpuUsage(cpuStart);
const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
console.log(`texts ${texts.length} bytes ${bytes} tokens ${tokens} seconds ${seconds} MB/s ${bytes / 1e6 / seconds} ` +
            `cpu_seconds ${cpu} cpu_MB/s ${bytes / 1e6 / cpu}`);
encoding.free();
