// loginflow Node harness: runs Auth0 post-login Actions against test events, the way Auth0 does.
//
// Input (stdin, JSON): { actions: [{name, code, secrets?}], flows?: [[action]], cases: [{name,
//   event, secrets, http_stubs, cache, now_ms?, flow?}], time_limit_ms? }. A case with `flow: i`
//   runs through `flows[i]` instead of `actions` (one process for several tenants).
// Output (stdout, JSON): { results: [CaseResult] }, one per case, in order.
//
// Fidelity notes: actions run in flow order; api.access.deny ends the flow after the current
// action; app/user metadata changes are applied at the end of the flow (later actions see the
// original event), api.transaction.setMetadata at once (later actions see it); custom claims
// with a restricted name are silently not added (Auth0 drops them without failing the login);
// the whole flow shares one time budget (Auth0: 20 s per trigger execution) and the login fails
// when it runs out; api.cache enforces Auth0's limits; fetch is a stub (unstubbed calls fail the
// case); each action is a fresh CommonJS module per case (in a sandbox kept per action, with
// per-case globals swapped in) that may require only Node built-ins.
//
// `RESTRICTED_CLAIMS` (an array of names) is defined by the caller ahead of this source.
"use strict";

const vm = require("vm");
const util = require("util");
const { isBuiltin } = require("module");

const CACHE_KEY_MAX = 64;
const CACHE_VALUE_MAX = 4096;
const CACHE_TOTAL_MAX = 8192;
const CACHE_ENTRIES_MAX = 20;
const FLOW_LIMIT_MS = 20000;
const STATIC_GLOBALS = {
  AbortSignal, AbortController, Buffer, URL, URLSearchParams, TextEncoder, TextDecoder,
  Headers, Request, Response,
  setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate,
  queueMicrotask, structuredClone, atob, btoa,
};
const RESTRICTED = new Set(typeof RESTRICTED_CLAIMS === "undefined" ? [] : RESTRICTED_CLAIMS);

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function wildcard(pattern, text) {
  const escaped = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp("^" + escaped.join("[\\s\\S]*") + "$").test(text);
}

function clone(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function headerObject(headers) {
  const out = {};
  if (!headers) return out;
  const entries = typeof headers.entries === "function" && !Array.isArray(headers)
    ? Array.from(headers.entries())
    : Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [k, v] of entries) out[String(k).toLowerCase()] = String(v);
  return out;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    }
  });
}

/** A signal aborted when any of `signals` is (`AbortSignal.any` needs Node 20.3). */
function anySignal(signals) {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** The state one case records while its flow runs. */
function newRecord(testCase) {
  return {
    name: testCase.name,
    actions_run: [],
    id_token: {},
    access_token: {},
    scopes_added: [],
    scopes_removed: [],
    app_metadata: {},
    user_metadata: {},
    denied: false,
    deny_reason: null,
    denied_by: null,
    http_calls: [],
    cache_reads: [],
    cache_writes: [],
    cache_deletes: [],
    logs: [],
    errors: [],
    error: null,
  };
}

function makeFetch(record, stubs, current, flowSignal) {
  return async function fetch(input, init) {
    init = init || {};
    const url = typeof input === "string" ? input : String(input && input.url ? input.url : input);
    const method = String(init.method || "GET").toUpperCase();
    const body = init.body === undefined || init.body === null ? null : String(init.body);
    record.http_calls.push({ action: current.name, method, url, headers: headerObject(init.headers), body });
    const stub = stubs.find((s) => (!s.method || s.method.toUpperCase() === method) && wildcard(s.url, url));
    if (!stub) {
      const message = "unstubbed HTTP call: " + method + " " + url;
      if (record.error === null) record.error = message;
      throw new TypeError("fetch failed (" + message + ")");
    }
    const signals = [init.signal, flowSignal].filter(Boolean);
    const signal = signals.length > 1 ? anySignal(signals) : signals[0];
    if (stub.delay_ms) await sleep(stub.delay_ms, signal);
    if (signal && signal.aborted) throw signal.reason;
    if (stub.network_error) throw new TypeError("fetch failed");
    let text = "";
    if (stub.raw_body !== undefined && stub.raw_body !== null) text = stub.raw_body;
    else if (stub.body !== undefined && stub.body !== null) text = JSON.stringify(stub.body);
    const status = stub.status || 200;
    const noBody = status === 204 || status === 304;
    return new Response(noBody ? null : text, { status, headers: { "content-type": "application/json" } });
  };
}

function makeCache(record, entries, current, now) {
  const totalBytes = () => {
    let total = 0;
    for (const [k, e] of entries) total += Buffer.byteLength(k) + Buffer.byteLength(e.value);
    return total;
  };
  const live = (key) => {
    const e = entries.get(key);
    if (e && e.expires_at !== null && e.expires_at <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  return {
    get(key) {
      const e = live(key);
      record.cache_reads.push({ action: current.name, key, hit: e !== undefined });
      return e === undefined ? undefined : { value: e.value, expires_at: e.expires_at };
    },
    set(key, value, options) {
      options = options || {};
      const write = { action: current.name, key, value, ttl: options.ttl ?? null, expires_at: options.expires_at ?? null, error: null };
      record.cache_writes.push(write);
      let error = null;
      if (typeof key !== "string" || Buffer.byteLength(key) > CACHE_KEY_MAX) error = "key longer than 64 bytes";
      else if (typeof value !== "string") error = "value is not a string";
      else if (Buffer.byteLength(value) > CACHE_VALUE_MAX) error = "value larger than 4 kB";
      else if (!entries.has(key) && entries.size >= CACHE_ENTRIES_MAX) error = "more than 20 entries";
      if (error === null) {
        const old = entries.get(key);
        entries.set(key, { value, expires_at: null });
        if (totalBytes() > CACHE_TOTAL_MAX) {
          if (old) entries.set(key, old); else entries.delete(key);
          error = "cache larger than 8 kB";
        }
      }
      if (error !== null) {
        write.error = error;
        return { type: "error", code: error };
      }
      const expiresAt = options.expires_at ?? (options.ttl !== undefined ? now() + options.ttl : now() + 15 * 60 * 1000);
      entries.get(key).expires_at = expiresAt;
      return { type: "success" };
    },
    delete(key) {
      record.cache_deletes.push({ action: current.name, key });
      entries.delete(key);
      return { type: "success" };
    },
  };
}

function makeApi(record, state, cache, current) {
  // After the flow ended (deny, error, time limit) a straggling action changes nothing.
  const open = () => !current.closed;
  const claims = (which) => ({
    setCustomClaim(key, value) {
      if (!open()) return;
      if (RESTRICTED.has(String(key))) {
        // Auth0 silently drops restricted claim names; the login goes on.
        record.logs.push({ action: current.name, level: "harness", message: "restricted claim `" + key + "` dropped, as Auth0 does" });
        return;
      }
      record[which][key] = clone(value);
    },
  });
  const noop = (what) => () => {
    record.logs.push({ action: current.name, level: "harness", message: what + " is not emulated" });
  };
  return {
    idToken: claims("id_token"),
    accessToken: {
      ...claims("access_token"),
      addScope(scope) { record.scopes_added.push(scope); },
      removeScope(scope) { record.scopes_removed.push(scope); },
    },
    user: {
      setAppMetadata(key, value) { if (open()) state.app[key] = clone(value); },
      setUserMetadata(key, value) { if (open()) state.user[key] = clone(value); },
    },
    access: {
      deny(reason) {
        if (open() && !record.denied) {
          record.denied = true;
          record.deny_reason = reason === undefined ? null : String(reason);
          record.denied_by = current.name;
        }
      },
    },
    cache,
    transaction: {
      // Actions Transaction Metadata: visible at once to this action and to every later one of
      // the same execution; strings, numbers and booleans only, null removes the key.
      setMetadata(key, value) {
        if (!open()) return;
        const ok = value === null || ["string", "number", "boolean"].includes(typeof value);
        if (typeof key !== "string" || !ok) {
          throw new TypeError("api.transaction.setMetadata takes a string key and a string, number, boolean or null value");
        }
        if (value === null) delete state.tx[key]; else state.tx[key] = value;
        if (current.event) withTransactionMetadata(current.event, state.tx);
      },
    },
    redirect: { sendUserTo: noop("api.redirect.sendUserTo"), canRedirect: () => false },
    multifactor: { enable: noop("api.multifactor.enable") },
  };
}

/** Puts the transaction metadata set so far into an action's event (`event.transaction.metadata`). */
function withTransactionMetadata(event, tx) {
  if (Object.keys(tx).length === 0 && !event.transaction) return;
  if (event.transaction === null || typeof event.transaction !== "object") event.transaction = {};
  event.transaction.metadata = { ...tx };
}

function makeConsole(record, current) {
  const log = (level) => (...args) => {
    record.logs.push({ action: current.name, level, message: util.format(...args) });
  };
  return { log: log("log"), info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") };
}

/** The sandboxes of the actions: one vm context per action, made once and reused by every case
 *  (creating a context costs ~1.5 ms), as Auth0 reuses an action's sandbox across logins. The
 *  per-case globals (`console`, `fetch`, the clock) are swapped in before each case, and the
 *  module is evaluated afresh per case, so module-level state never leaks between cases. */
const sandboxes = new Map();

function sandboxOf(action, staticGlobals) {
  let entry = sandboxes.get(action);
  if (entry) return entry;
  const context = vm.createContext({ ...staticGlobals });
  vm.runInContext(
    "(() => { const real = Date.now; Date.now = function now() { const f = globalThis.__loginflowNow; return typeof f === 'function' ? f() : real(); }; })();",
    context,
  );
  const wrapper = vm.runInContext(
    "(function (exports, require, module, __filename, __dirname) {" + action.code + "\n})",
    context,
    { filename: action.name + ".js" },
  );
  entry = { context, wrapper };
  sandboxes.set(action, entry);
  return entry;
}

function requireBuiltin(name) {
  if (!isBuiltin(name)) {
    throw new Error("loginflow harness: only Node built-in modules can be required, not `" + name + "`");
  }
  return require(name);
}

/** Loads an action as a fresh CommonJS module for one case, in the action's own sandbox. */
function loadAction(action, staticGlobals, caseGlobals) {
  const { context, wrapper } = sandboxOf(action, staticGlobals);
  Object.assign(context, caseGlobals);
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, requireBuiltin, module, action.name + ".js", "/");
  return module.exports;
}

class FlowTimeLimit extends Error {}

/** Races `promise` against the flow's deadline; on expiry, aborts `controller` (pending stubs). */
function withDeadline(promise, deadline, limitMs, controller) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const err = new FlowTimeLimit("the flow ran longer than its " + limitMs + " ms limit (Auth0 stops a trigger after 20 s and fails the login)");
      controller.abort(err);
      reject(err);
    }, Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function runCase(job, testCase) {
  const record = newRecord(testCase);
  const started = performance.now();
  const current = { name: null, closed: false };
  const limitMs = job.time_limit_ms || FLOW_LIMIT_MS;
  const deadline = Date.now() + limitMs;
  const flowController = new AbortController();
  const state = { app: {}, user: {}, tx: { ...((testCase.event && testCase.event.transaction && testCase.event.transaction.metadata) || {}) } };
  const nowMs = testCase.now_ms;
  const now = () => (nowMs !== undefined && nowMs !== null ? Number(nowMs) : Date.now());
  const entries = new Map(Object.entries(testCase.cache || {}).map(([k, v]) => [k, { value: v, expires_at: null }]));
  const cache = makeCache(record, entries, current, now);
  const api = makeApi(record, state, cache, current);
  const caseGlobals = {
    console: makeConsole(record, current),
    fetch: makeFetch(record, testCase.http_stubs || [], current, flowController.signal),
    __loginflowNow: nowMs !== undefined && nowMs !== null ? () => Number(nowMs) : null,
  };
  const secrets = testCase.secrets || {};
  const flow = testCase.flow !== undefined && testCase.flow !== null ? job.flows[testCase.flow] : job.actions;
  for (const action of flow) {
    current.name = action.name;
    record.actions_run.push(action.name);
    // Each action sees the original event: metadata changes are applied after the flow.
    const event = clone(testCase.event || {});
    const visible = Array.isArray(action.secrets)
      ? Object.fromEntries(action.secrets.filter((n) => n in secrets).map((n) => [n, secrets[n]]))
      : { ...secrets };
    event.secrets = visible;
    withTransactionMetadata(event, state.tx);
    current.event = event;
    try {
      const exported = loadAction(action, STATIC_GLOBALS, caseGlobals);
      if (typeof exported.onExecutePostLogin !== "function") {
        throw new Error("the action does not export onExecutePostLogin");
      }
      await withDeadline(Promise.resolve().then(() => exported.onExecutePostLogin(event, api)), deadline, limitMs, flowController);
    } catch (err) {
      // Auth0 fails the login on an uncaught error, and when the trigger runs out of time.
      const message = err instanceof FlowTimeLimit ? "Error: " + err.message : String(err && err.stack ? err.stack.split("\n")[0] : err);
      record.errors.push({ action: action.name, message });
      break;
    }
    if (record.denied) break;
  }
  current.closed = true;
  flowController.abort(new Error("the flow has ended"));
  // An action cut off by the time limit may still run: it keeps its sandbox, later cases get new ones.
  if (record.errors.some((e) => e.message.includes("ran longer than"))) sandboxes.clear();
  record.app_metadata = state.app;
  record.user_metadata = state.user;
  record.duration_ms = performance.now() - started;
  return record;
}

async function main() {
  const job = JSON.parse(await readStdin());
  const results = [];
  for (const testCase of job.cases) results.push(await runCase(job, testCase));
  // Exit once written: actions cut off by the time limit may still hold timers.
  process.stdout.write(JSON.stringify({ results }), () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write("loginflow harness failed: " + (err && err.stack ? err.stack : String(err)) + "\n");
  process.exit(2);
});
