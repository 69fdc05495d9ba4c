// Exports the tables of a v2 DuckDB trace store as NDJSON, one file per table, each ordered
// by session_id so trace-read can assemble sessions with a streaming merge.
//   node export.mjs STORE.duckdb OUTDIR
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';

const [store, out] = process.argv.slice(2);
if (!store || !out) {
  console.error('usage: node export.mjs STORE.duckdb OUTDIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const instance = await DuckDBInstance.create(store, { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
const tables = (await connection.runAndReadAll(
  "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"))
  .getRows().map((row) => String(row[0]));
const orders = {
  session_traces: 'session_id',
  session_timesteps: 'session_id, step_index, id',
  events: 'session_id, id',
  messages: 'session_id, id',
};
for (const table of tables) {
  const order = orders[table] ?? '1';
  const target = `${out}/${table}.ndjson`.replaceAll("'", "''");
  await connection.run(`COPY (SELECT * FROM "${table}" ORDER BY ${order}) TO '${target}' (FORMAT JSON)`);
  console.error(`export-duckdb: ${table} -> ${out}/${table}.ndjson`);
}
