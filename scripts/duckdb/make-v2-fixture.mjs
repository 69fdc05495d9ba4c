// Builds a synth-ai tracing_v2 DuckDB store from the DDL of synth-ai's tracing v2 DuckDB manager (docs/synth-ai-sources.md, "Stores and files"), for tests:
// two Crafter sessions written by dialect A (session_<insert time> ids, "SessionEventMessage"
// rows wrapping the real type, "SessionMetadum" items, NULL model/token columns, NULL
// experiment_id) and one by dialect B (real types, the trace's own id, an experiment, model
// and token columns filled, and a chat exchange). Deterministic.
//   node make-v2-fixture.mjs OUT.duckdb
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, rmSync } from 'node:fs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node make-v2-fixture.mjs OUT.duckdb');
  process.exit(2);
}
if (existsSync(out)) rmSync(out);
const instance = await DuckDBInstance.create(out);
const db = await instance.connect();
await db.run(`
CREATE SEQUENCE timestep_id_seq; CREATE SEQUENCE event_id_seq; CREATE SEQUENCE message_id_seq;
CREATE TABLE systems (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description TEXT);
CREATE TABLE system_versions (id VARCHAR PRIMARY KEY, system_id VARCHAR NOT NULL REFERENCES systems(id), branch VARCHAR,
  "commit" VARCHAR, created_at TIMESTAMP NOT NULL, description TEXT);
CREATE TABLE experiments (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description TEXT, created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL);
CREATE TABLE experimental_systems (experiment_id VARCHAR NOT NULL, system_id VARCHAR NOT NULL, system_version_id VARCHAR NOT NULL,
  PRIMARY KEY (experiment_id, system_id));
CREATE TABLE session_traces (session_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, num_timesteps INTEGER, num_events INTEGER,
  num_messages INTEGER, metadata JSON, experiment_id VARCHAR);
CREATE TABLE session_timesteps (id INTEGER PRIMARY KEY DEFAULT nextval('timestep_id_seq'), session_id VARCHAR NOT NULL,
  step_id VARCHAR NOT NULL, step_index INTEGER NOT NULL, timestamp TIMESTAMP NOT NULL, num_events INTEGER, num_messages INTEGER,
  step_metadata JSON, UNIQUE(session_id, step_id));
CREATE TABLE events (id INTEGER PRIMARY KEY DEFAULT nextval('event_id_seq'), session_id VARCHAR NOT NULL, timestep_id INTEGER,
  event_type VARCHAR NOT NULL, system_instance_id VARCHAR NOT NULL, event_time TIMESTAMP, message_time INTEGER,
  span_id VARCHAR, trace_id VARCHAR, model_name VARCHAR, provider VARCHAR, prompt_tokens INTEGER, completion_tokens INTEGER,
  total_tokens INTEGER, cost DOUBLE, latency_ms DOUBLE, reward DOUBLE, terminated BOOLEAN, system_state_before JSON,
  system_state_after JSON, metadata JSON, event_metadata JSON);
CREATE TABLE messages (id INTEGER PRIMARY KEY DEFAULT nextval('message_id_seq'), session_id VARCHAR NOT NULL, timestep_id INTEGER,
  message_type VARCHAR NOT NULL, content JSON NOT NULL, timestamp TIMESTAMP, event_time TIMESTAMP, message_time INTEGER);
`);
const q = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`);
const j = (v) => q(JSON.stringify(v));
const insertTime = '2025-07-25 14:24:06.169234';
const achievementsAll = ['collect_wood', 'collect_sapling', 'place_table', 'collect_drink'];

async function crafterSession({ id, dialect, instance, turns, model, experiment, unlocked }) {
  const task = `task-${instance}-0000-4000-8000-00000000000${instance}`;
  const items = [
    { type: 'episode_config', data: { instance_num: instance, task_instance_id: task, difficulty: 'easy', max_turns: 20, model_name: model, agent_type: 'crafter-react-agent' } },
    { type: 'system_ids', data: { agent: 'a-uuid', runtime: 'r-uuid', environment: 'e-uuid' } },
    { type: 'episode_results', data: { total_reward: unlocked.length * 1.5, num_achievements: unlocked.length,
      achievements: Object.fromEntries(achievementsAll.map((a) => [a, unlocked.includes(a)])), rollout_length: turns, terminated: false } },
  ];
  const metadata = items.map((it) => (dialect === 'A' ? { metadata_type: 'SessionMetadum', data: it.data }
    : { metadata_type: it.type, data: it.data, timestamp: '2025-07-25T14:24:06' }));
  let messages = 0, events = 0;
  await db.run(`INSERT INTO session_traces VALUES (${q(id)}, ${q(insertTime)}, ${turns}, 0, 0, ${j(metadata)}, ${q(experiment)})`);
  for (let t = 0; t < turns; t++) {
    await db.run(`INSERT INTO session_timesteps (session_id, step_id, step_index, timestamp, num_events, num_messages, step_metadata)
      VALUES (${q(id)}, ${q('turn_' + t)}, ${t}, ${q(insertTime)}, 3, 0, ${j({ turn: t })})`);
    const have = unlocked.slice(0, Math.min(unlocked.length, t));
    const records = [
      ['observation', { origin_system_id: 'env-uuid', payload: { inventory: { health: 9, wood: t }, achievements_status: Object.fromEntries(have.map((a) => [a, true])), num_steps_taken: t } }],
      ['tool_call', { origin_system_id: 'agent-uuid', payload: [{ tool: 'interact', args: { actions: ['move_up', 'do'], reasoning: 'explore' } }] }],
      ['action', { origin_system_id: 'runtime-uuid', payload: { action: 3, action_type: 'crafter_action' } }],
    ];
    for (const [type, content] of records) {
      const stored = dialect === 'A'
        ? { content, timestamp: '2025-07-25T14:24:06', message_type: type, time_record: { event_time: '2025-07-25T14:24:06', message_time: t } }
        : content;
      await db.run(`INSERT INTO messages (session_id, message_type, content, timestamp, event_time, message_time)
        VALUES (${q(id)}, ${q(dialect === 'A' ? 'SessionEventMessage' : type)}, ${j(stored)}, ${q(insertTime)}, '2025-07-25 14:24:0${t % 10}', ${t})`);
      messages++;
    }
    const filled = dialect === 'B';
    await db.run(`INSERT INTO events (session_id, event_type, system_instance_id, event_time, message_time, model_name, provider,
        prompt_tokens, completion_tokens, total_tokens, cost, metadata, event_metadata)
      VALUES (${q(id)}, 'cais', ${q('crafter-react-agent_' + model)}, ${q(insertTime)}, ${t}, ${filled ? q(model) : 'NULL'},
        ${filled ? "'openai'" : 'NULL'}, ${filled ? 1000 + t : 'NULL'}, ${filled ? 50 : 'NULL'}, ${filled ? 1050 + t : 'NULL'},
        ${filled ? 0.0042 : 'NULL'}, ${j({ model_name: model, prompt_tokens: 1000 + t, completion_tokens: 50, total_tokens: 1050 + t, turn: t })},
        ${j(t === 1 ? [{ hook_name: 'easy_achievement', description: 'unlocked', code: 'E', priority: 1 }] : [])})`);
    // W10: runtime events keep message_time 0; the turn is in metadata.
    await db.run(`INSERT INTO events (session_id, event_type, system_instance_id, event_time, message_time, metadata)
      VALUES (${q(id)}, 'runtime', 'runtime', ${q(insertTime)}, 0, ${j({ action_names: ['move_up', 'do'], turn: t })})`);
    await db.run(`INSERT INTO events (session_id, event_type, system_instance_id, event_time, message_time, reward, terminated,
        system_state_after, metadata)
      VALUES (${q(id)}, 'environment', ${q(task)}, ${q(insertTime)}, ${t}, ${t < unlocked.length ? 1.0 : 0.0}, false,
        ${j({ public_state: { achievements_status: {} }, private_state: { reward_last_step: 0 } })}, ${j({ turn: t })})`);
    events += 3;
  }
  await db.run(`UPDATE session_traces SET num_events = ${events}, num_messages = ${messages} WHERE session_id = ${q(id)}`);
}

await db.run(`INSERT INTO experiments VALUES ('exp-uuid-1', 'brave-otter', 'fixture', '2025-07-25 14:00:00', '2025-07-25 14:00:00')`);
await db.run(`INSERT INTO systems VALUES ('sys-uuid-1', 'crafter-react-agent', NULL)`);
await crafterSession({ id: 'session_2025-07-25T14:24:06.169234', dialect: 'A', instance: 1, turns: 4, model: 'gpt-4o-mini', experiment: null, unlocked: ['collect_wood', 'collect_sapling'] });
await crafterSession({ id: 'session_2025-07-25T14:25:11.000001', dialect: 'A', instance: 2, turns: 3, model: 'gpt-4o-mini', experiment: null, unlocked: [] });
await crafterSession({ id: 'crafter_episode_3_task-3', dialect: 'B', instance: 3, turns: 3, model: 'gpt-4.1-nano', experiment: 'exp-uuid-1', unlocked: ['collect_wood'] });
// Dialect B chat rows (MessageType user/assistant), so a B store can carry a conversation.
const chat = 'chat_session_b';
await db.run(`INSERT INTO session_traces VALUES (${q(chat)}, '2025-07-26 09:00:00', 1, 0, 2, ${j([{ metadata_type: 'episode_results', data: { total_reward: 1.0, achievements: ['collect_wood'] }, timestamp: '2025-07-26T09:00:00' }])}, 'exp-uuid-1')`);
await db.run(`INSERT INTO messages (session_id, message_type, content, timestamp, event_time, message_time) VALUES
  (${q(chat)}, 'user', ${j('Where is the nearest tree?')}, '2025-07-26 09:00:00', '2025-07-26 09:00:00', 0),
  (${q(chat)}, 'assistant', ${j({ role: 'assistant', content: 'North of you.' })}, '2025-07-26 09:00:01', '2025-07-26 09:00:01', 0)`);
db.closeSync?.();
