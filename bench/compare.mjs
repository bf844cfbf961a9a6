// Driven by bench/compare.sh; see there and README "Benchmarks". Node 18+, no dependencies.
//
// For each rate limit (development 10/2, production 50/16) and each tool (loginflow,
// auth0-deploy-cli), on a fresh emulator per sequence (TLS, 50 ms latency, 50 ms builds):
//   first deploy of 10 actions                       (its own emulator)
//   first deploy of 50 → no-op re-run → one action's code changed → one action removed
// and records, per scenario, the emulator's counters (requests, writes, 429s, versions created)
// and the tool's wall time. Between scenarios it waits until the token bucket is full again.
// Medians over --runs runs. Then loginflow alone: 200 tenants x 20 actions, plan and no-op apply.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.runs ?? 3);
const LATENCY_MS = 50;
const BUILD_MS = 50;
const LIMITS = {
  development: { burst: 10, perSecond: 2 },
  production: { burst: 50, perSecond: 16 },
};
const SCALE = { tenants: 200, actions: 20 };
const log = (...m) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...m);

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (['serial'].includes(k)) out[k] = true;
    else out[k] = argv[++i];
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- emulator

async function startEmulator(dir, limit) {
  fs.mkdirSync(dir, { recursive: true });
  const certDir = path.join(dir, 'certs');
  const rl = limit ? ['--rate-limit', `${limit.burst}/${limit.perSecond}`] : ['--no-rate-limit'];
  const child = spawn(
    args.loginflow,
    ['emulator', '--port', '0', '--tls', '--cert-dir', certDir, '--latency-ms', String(LATENCY_MS),
      '--build-ms', String(BUILD_MS), ...rl],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const errLog = fs.createWriteStream(path.join(dir, 'emulator.log'));
  child.stderr.pipe(errLog);
  const base = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const ca = fs.readFileSync(path.join(certDir, 'cert.pem'));
  return {
    base,
    port: new URL(base).port,
    caFile: path.join(certDir, 'cert.pem'),
    limit,
    admin: (method, p) => request(base + p, method, ca),
    stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
  };
}

function request(url, method, ca) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body ? JSON.parse(body) : null));
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------- actions

const NAMESPACE = 'https://bench.example.com/';
const actionName = (i) => `bench-${String(i).padStart(3, '0')}`;

// Auth0 allows at most 20 actions bound to one trigger, so the first 20 are bound to post-login
// and the rest are created and deployed for post-login but left unbound.
const MAX_BINDINGS = 20;

// The desired tenant: `count` claims actions, action 1's claim value set by `version`, action 2
// (bound) left out when `removed`. Actions 1 to 20 are bound, so a removal changes nothing else
// (it does not pull action 21 into the flow).
function tenantYaml(domain, { count, version = 1, removed = false, credentials = '' }) {
  const names = [];
  const bound = [];
  let y = `version: 1\ntenant:\n  domain: ${domain}\n${credentials}actions:\n`;
  for (let i = 1; i <= count; i++) {
    if (removed && i === 2) continue;
    const n = actionName(i);
    names.push(n);
    if (i <= MAX_BINDINGS) bound.push(n);
    const value = i === 1 ? `v${version}` : 'v1';
    y += `  ${n}:\n    kind: claims\n    namespace: ${NAMESPACE}\n    claims:\n      - { name: c${i}, value: ${value} }\n`;
  }
  y += `flow:\n  post-login: [${bound.join(', ')}]\n`;
  return { yaml: y, names, bound };
}

function run(cmd, argv, opts) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ code, seconds, out, err });
    });
  });
}

// Renders the variant with loginflow and lays it out in auth0-deploy-cli's directory format:
// actions/<name>.json (+ actions/<name>/code.js) and triggers/triggers.json.
async function deployCliDir(dir, variant) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { yaml, names, bound } = tenantYaml('https://127.0.0.1:1', variant);
  const tenantFile = path.join(dir, '..', `${path.basename(dir)}.yaml`);
  fs.writeFileSync(tenantFile, yaml);
  const outDir = path.join(dir, '..', `${path.basename(dir)}.rendered`);
  fs.rmSync(outDir, { recursive: true, force: true });
  const r = await run(args.loginflow, ['render', tenantFile, '--out', outDir], {});
  if (r.code !== 0) throw new Error(`render failed: ${r.err}`);
  const rendered = path.join(outDir, fs.readdirSync(outDir)[0]);
  fs.mkdirSync(path.join(dir, 'actions'));
  fs.mkdirSync(path.join(dir, 'triggers'));
  for (const n of names) {
    fs.mkdirSync(path.join(dir, 'actions', n));
    fs.copyFileSync(path.join(rendered, `${n}.js`), path.join(dir, 'actions', n, 'code.js'));
    fs.writeFileSync(path.join(dir, 'actions', `${n}.json`), JSON.stringify({
      name: n,
      code: `./actions/${n}/code.js`,
      runtime: 'node22',
      dependencies: [],
      secrets: [],
      deployed: true,
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
    }, null, 2));
  }
  fs.writeFileSync(path.join(dir, 'triggers', 'triggers.json'), JSON.stringify({
    'post-login': bound.map((n) => ({ action_name: n, display_name: n })),
  }, null, 2));
}

// ---------------------------------------------------------------- tools

const TOOLS = {
  loginflow: async (emu, work, variant) => {
    const { yaml } = tenantYaml(emu.base, variant);
    const file = path.join(work, 'bench.yaml');
    fs.writeFileSync(file, yaml);
    return run(args.loginflow, ['apply', file, '--yes', '--prune'], {
      env: { ...process.env, LOGINFLOW_CA_CERT: emu.caFile, AUTH0_CLIENT_ID: 'local',
        AUTH0_CLIENT_SECRET: 'local', NO_COLOR: '1' },
    });
  },
  'auth0-deploy-cli': async (emu, work, variant) => {
    const dir = path.join(work, 'a0');
    await deployCliDir(dir, variant);
    const config = path.join(work, 'a0-config.json');
    fs.writeFileSync(config, JSON.stringify({
      AUTH0_DOMAIN: `127.0.0.1:${emu.port}`,
      AUTH0_CLIENT_ID: 'local',
      AUTH0_CLIENT_SECRET: 'local',
      AUTH0_ALLOW_DELETE: true,
      AUTH0_INCLUDED_ONLY: ['actions', 'triggers'],
    }));
    // Rendering happens before the clock starts: only the import is timed.
    return run(args.a0deploy, ['import', '-c', config, '-i', dir], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: emu.caFile },
    });
  },
};

// ---------------------------------------------------------------- scenarios

// The fewest requests and the least time any tool could need under the emulator's rules, which
// are Auth0's: a draft deploys only once built, an action binds only once deployed, a deploy
// completes after its response says `deployed: false`. A client cannot know when a build ends,
// so each wait costs at least one read; the ideal client sends that read at the first moment it
// can succeed. It also knows the token bucket exactly and sends every request the moment the
// bucket and the steps before it allow (the token request is not counted against it: it is the
// Authentication API's, as in Auth0 and the emulator). Every request costs LATENCY_MS; the server acts on it
// at the end of that time (the emulator's order: rate limit, latency, then the handler).
//   observe   = token, then the actions list (100 per page) and the post-login bindings together
//   first     = N creates with `deploy: true`, one list read once the last is deployed, one
//               bindings PATCH
//   no-op     = observe only
//   change    = PATCH, one read once built, deploy, one read confirming the new version is live
//               (SPEC 5.4 asks apply to wait until it is live)
//   removal   = one DELETE ?force=true (it unbinds)
function theoretical(scenario, limit) {
  const L = LATENCY_MS / 1000;
  const B = BUILD_MS / 1000;
  const bucket = { tokens: limit.burst, at: 0 };
  let requests = 0;
  // Sends one request no earlier than `t`, when the bucket has a token; returns the send time.
  const send = (t) => {
    const at = Math.max(t, bucket.at);
    let tokens = Math.min(limit.burst, bucket.tokens + (at - bucket.at) * limit.perSecond);
    let when = at;
    if (tokens < 1) {
      when += (1 - tokens) / limit.perSecond;
      tokens = 1;
    }
    bucket.tokens = tokens - 1;
    bucket.at = when;
    requests += 1;
    return when;
  };
  // `n` requests that may all go from `t`; returns when the last answer arrives.
  const batch = (t, n) => {
    let last = t;
    for (let i = 0; i < n; i++) last = Math.max(last, send(t) + L);
    return last;
  };
  const pages = (n) => Math.max(1, Math.ceil(n / 100));
  // The token comes from the Authentication API, outside the Management API bucket.
  requests += 1;
  let t = L;
  t = batch(t, pages(scenario.liveBefore) + 1); // list + bindings
  let writes = 0;
  let versions = 0;
  if (scenario.kind === 'first') {
    let deployedBy = t;
    let answered = t;
    for (let i = 0; i < scenario.count; i++) {
      const sent = send(t);
      answered = Math.max(answered, sent + L);
      deployedBy = Math.max(deployedBy, sent + L + B);
    }
    // The read must reach the server once the last create is deployed.
    t = batch(Math.max(answered, deployedBy - L), pages(scenario.liveBefore + scenario.count));
    t = batch(t, 1); // bindings
    writes = scenario.count + 1;
    versions = scenario.count;
  } else if (scenario.kind === 'change') {
    const sent = send(t);
    t = batch(Math.max(sent + L, sent + B), 1); // read: built
    t = batch(t, 1); // deploy
    t = batch(t, 1); // read: live
    writes = 2;
    versions = 1;
  } else if (scenario.kind === 'remove') {
    t = batch(t, 1);
    writes = 1;
  }
  return { requests, writes, versions, seconds: t };
}

const SEQUENCES = [
  [{ name: 'first deploy, 10 actions', kind: 'first', count: 10, variant: { count: 10 }, liveBefore: 0 }],
  [
    { name: 'first deploy, 50 actions', kind: 'first', count: 50, variant: { count: 50 }, liveBefore: 0 },
    { name: 'no-op re-run (50)', kind: 'noop', count: 50, variant: { count: 50 }, liveBefore: 50 },
    { name: 'one action changed (50)', kind: 'change', count: 50, variant: { count: 50, version: 2 }, liveBefore: 50 },
    { name: 'one action removed (50)', kind: 'remove', count: 50, variant: { count: 50, version: 2, removed: true }, liveBefore: 50 },
  ],
];

function measure(stats) {
  let writes = 0;
  for (const [k, v] of Object.entries(stats.by_endpoint)) {
    const [method, tpl] = k.split(' ');
    if (method !== 'GET' && tpl !== '/oauth/token') writes += v;
  }
  return { requests: stats.total, writes, r429: stats.rate_limited, versions: stats.versions_created };
}

async function runSequence(tool, limitName, seq, runIdx) {
  const limit = LIMITS[limitName];
  const work = path.join(args.work, `${tool}-${limitName}-${seq[0].count}-${runIdx}`);
  const emu = await startEmulator(work, limit);
  const out = [];
  try {
    for (const sc of seq) {
      await sleep(Math.ceil((limit.burst / limit.perSecond) * 1000) + 300); // full bucket
      await emu.admin('POST', '/__emulator/reset-stats');
      const r = await TOOLS[tool](emu, work, sc.variant);
      const stats = await emu.admin('GET', '/__emulator/stats');
      const m = measure(stats);
      if (r.code !== 0) {
        log(`${tool} ${limitName} "${sc.name}" exited ${r.code}:\n${r.err.slice(-2000)}\n${r.out.slice(-2000)}`);
      }
      log(`${tool} ${limitName} run ${runIdx + 1} "${sc.name}": ${r.seconds.toFixed(2)} s, ${m.requests} req, ${m.writes} writes, ${m.r429} 429, ${m.versions} versions`);
      out.push({ tool, limit: limitName, scenario: sc.name, run: runIdx, exit: r.code, seconds: r.seconds, ...m, by_endpoint: stats.by_endpoint, theory: theoretical(sc, limit) });
    }
  } finally {
    await emu.stop();
  }
  return out;
}

async function compare() {
  const jobs = [];
  for (const limitName of Object.keys(LIMITS)) {
    for (const tool of Object.keys(TOOLS)) {
      if (args.tool && tool !== args.tool) continue;
      jobs.push(async () => {
        const res = [];
        for (let i = 0; i < RUNS; i++) for (const seq of SEQUENCES) res.push(...(await runSequence(tool, limitName, seq, i)));
        return res;
      });
    }
  }
  // Rate limits and latency dominate, so the four tool x limit pipelines run side by side, each
  // against its own emulators (--serial runs them one after another).
  const results = [];
  if (args.serial) for (const j of jobs) results.push(...(await j()));
  else for (const r of await Promise.all(jobs.map((j) => j()))) results.push(...r);
  return results;
}

function table(results) {
  const rows = [];
  rows.push('| limit | scenario | tool | requests | writes | 429s | versions | wall time (s) | min requests | min time (s) | time / min |');
  rows.push('|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const limitName of Object.keys(LIMITS)) {
    for (const seq of SEQUENCES) {
      for (const sc of seq) {
        for (const tool of Object.keys(TOOLS)) {
          const rs = results.filter((r) => r.tool === tool && r.limit === limitName && r.scenario === sc.name);
          if (!rs.length) continue;
          const th = rs[0].theory;
          const t = median(rs.map((r) => r.seconds));
          const failed = rs.filter((r) => r.exit !== 0).length;
          rows.push(`| ${limitName} ${LIMITS[limitName].burst}/${LIMITS[limitName].perSecond} | ${sc.name} | ${tool}${failed ? ` (${failed} of ${rs.length} runs failed)` : ''} | ${median(rs.map((r) => r.requests))} | ${median(rs.map((r) => r.writes))} | ${median(rs.map((r) => r.r429))} | ${median(rs.map((r) => r.versions))} | ${t.toFixed(2)} | ${th.requests} | ${th.seconds.toFixed(2)} | ${(t / th.seconds).toFixed(2)}x |`);
        }
      }
    }
  }
  return rows.join('\n');
}

// ---------------------------------------------------------------- scale

async function scale() {
  const dir = path.join(args.work, 'scale');
  // One emulator for all tenants, without a rate limit: a real tenant has its own bucket, and
  // one shared 16/s bucket would measure the bucket. Every tenant lists every action of the
  // shared emulator (200 x 20 = 4000), so each tenant's read is 40 pages instead of 1.
  const emu = await startEmulator(dir, null);
  const tenants = path.join(dir, 'tenants');
  fs.mkdirSync(tenants, { recursive: true });
  for (let t = 0; t < SCALE.tenants; t++) {
    const tn = `t${String(t).padStart(3, '0')}`;
    let { yaml } = tenantYaml(emu.base, { count: SCALE.actions });
    // No bindings: the 200 tenants share the emulator's one post-login trigger (20 bindings at
    // most), so bound flows would overwrite each other and no plan would ever be empty.
    yaml = yaml.replaceAll('bench-', `${tn}-`).replace(/flow:\n.*\n$/, '');
    fs.writeFileSync(path.join(tenants, `${tn}.yaml`), yaml);
  }
  const env = { ...process.env, LOGINFLOW_CA_CERT: emu.caFile, AUTH0_CLIENT_ID: 'local', AUTH0_CLIENT_SECRET: 'local', NO_COLOR: '1' };
  const step = async (label, argv, expect) => {
    await emu.admin('POST', '/__emulator/reset-stats');
    const r = await run(args.loginflow, argv, { cwd: dir, env });
    const m = measure(await emu.admin('GET', '/__emulator/stats'));
    if (r.code !== expect) log(`scale ${label} exited ${r.code} (expected ${expect}):\n${r.err.slice(-3000)}`);
    log(`scale ${label}: ${r.seconds.toFixed(2)} s, ${m.requests} req, ${m.writes} writes, ${m.r429} 429, ${m.versions} versions`);
    return { label, exit: r.code, ok: r.code === expect, seconds: r.seconds, ...m };
  };
  const out = [];
  try {
    out.push(await step('first apply (setup)', ['apply', '--all', '--yes'], 0));
    for (let i = 0; i < RUNS; i++) {
      out.push(await step('plan --all', ['plan', '--all', '--detailed-exitcode', '--format', 'json'], 0));
      out.push(await step('no-op apply --all', ['apply', '--all', '--yes'], 0));
    }
  } finally {
    await emu.stop();
  }
  return out;
}

function scaleTable(rs) {
  const rows = ['| loginflow, 200 tenants x 20 actions | runs | wall time (s) | requests | writes | 429s | versions |', '|---|--:|--:|--:|--:|--:|--:|'];
  for (const label of ['first apply (setup)', 'plan --all', 'no-op apply --all']) {
    const xs = rs.filter((r) => r.label === label);
    const bad = xs.filter((r) => !r.ok).length;
    rows.push(`| ${label}${bad ? ` (${bad} failed)` : ''} | ${xs.length} | ${median(xs.map((r) => r.seconds)).toFixed(2)} | ${median(xs.map((r) => r.requests))} | ${median(xs.map((r) => r.writes))} | ${median(xs.map((r) => r.r429))} | ${median(xs.map((r) => r.versions))} |`);
  }
  return rows.join('\n');
}

// ---------------------------------------------------------------- main

const results = { runs: RUNS, latency_ms: LATENCY_MS, build_ms: BUILD_MS, a0deploy: args['a0deploy-version'] };
if (args.only !== 'scale') {
  results.compare = await compare();
  // --tool NAME re-measures one tool and keeps the other tools' runs from the results file.
  if (args.tool && fs.existsSync(args.results)) {
    const old = JSON.parse(fs.readFileSync(args.results, 'utf8'));
    results.compare.push(...(old.compare ?? []).filter((r) => r.tool !== args.tool));
    if (args.only !== 'compare' && old.scale) results.scale = old.scale;
  }
}
if (args.only !== 'compare' && !args.tool) results.scale = await scale();
fs.writeFileSync(args.results, JSON.stringify(results, null, 1));
if (results.compare) console.log(table(results.compare) + '\n');
if (results.scale) console.log(scaleTable(results.scale));
