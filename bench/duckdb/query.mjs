// Runs one SQL statement in an in-memory DuckDB (2 threads, the machine's cores) and prints
// the first column of the first row. bench/run.sh times it against the tracemill tools.
//   node query.mjs "SELECT count(*) FROM read_ndjson_auto('dump.ndjson')"
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const connection = await instance.connect();
const reader = await connection.runAndReadAll(sql);
const rows = reader.getRows();
if (rows.length > 0) console.log(String(rows[0][0]));
