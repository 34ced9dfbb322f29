#!/usr/bin/env node
// DuckDB peer for the join and sort benchmarks (bench/join/README section of bench/README.md).
// usage: node duckdb_join.js WORKLOAD DATA_DIR RESULT_CSV [threads]
//   LJ    big_left JOIN big_right USING (key), GROUP BY code: count(*), sum(value * amount)
//   SORT  sales.csv ORDER BY value, every column, written to RESULT_CSV
//   GB    sales.csv GROUP BY id (20M groups of one row): sum(value), count(*)
// $DUCKDB_MEMORY_LIMIT and $DUCKDB_TEMP_DIR, when set, are DuckDB's memory_limit and
// temp_directory (bench/spill/run_budgets.py).
// Module dir: $DUCKDB_NODE_DIR (default /tmp/duckdb, made by ../../shared/peers/setup_peers.sh).
// Prints one JSON line with the peer's own time (internal_s), as the shared peers do.
'use strict';
const path = require('path');
const { createRequire } = require('module');
const dir = process.env.DUCKDB_NODE_DIR || '/tmp/duckdb';
const { DuckDBInstance } = createRequire(path.join(dir, 'package.json'))('@duckdb/node-api');

const [wl, data, res, threads = '2'] = process.argv.slice(2);
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const file = (name) => q(path.join(data, name));
const SQL = {
  LJ: `SELECT code, count(*) AS count, sum(value * amount) AS sum_va
         FROM read_csv_auto(${file('big_left.csv')}) l
         JOIN read_csv_auto(${file('big_right.csv')}) r ON l.key = r.key
        GROUP BY code ORDER BY code`,
  SORT: `SELECT * FROM read_csv_auto(${file('sales.csv')}) ORDER BY value`,
  GB: `SELECT id, sum(value) AS sum, count(*) AS count FROM read_csv_auto(${file('sales.csv')})
        GROUP BY id`,
};

(async () => {
  if (!SQL[wl]) {
    console.log(JSON.stringify({ peer: 'duckdb', workload: wl, status: 'unsupported' }));
    process.exit(3);
  }
  const config = { threads: String(threads) };
  if (process.env.DUCKDB_MEMORY_LIMIT) config.memory_limit = process.env.DUCKDB_MEMORY_LIMIT;
  if (process.env.DUCKDB_TEMP_DIR) config.temp_directory = process.env.DUCKDB_TEMP_DIR;
  const inst = await DuckDBInstance.create(':memory:', config);
  const con = await inst.connect();
  const t0 = process.hrtime.bigint();
  await con.run(`COPY (${SQL[wl]}) TO ${q(res)} (HEADER, DELIMITER ',')`);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  const ver = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
  console.log(JSON.stringify({ peer: 'duckdb', workload: wl, internal_s: +dt.toFixed(4),
                               version: ver }));
})().catch((e) => { console.error(e); process.exit(1); });
