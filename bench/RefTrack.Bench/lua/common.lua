-- Prepended to every scenario script by the harness. Each wrk thread has its own Lua state, so status codes and
-- counters are kept per thread (globals `statuses`, `counters`) and summed in done(), which runs in the main state
-- and reads them with thread:get(). done() prints one line: BENCH_JSON {...}.
-- The user agent of scenarios 1 and 2 (a browser: not flagged as a bot); the seeded clicks use the same.
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

local threads = {}
statuses = {}
counters = {}

function count(name, by)
  counters[name] = (counters[name] or 0) + (by or 1)
end

-- wrk 4.1.0 calls request() once on thread 1's Lua state before the run, to check that it makes one well-formed
-- request (script_verify_request in wrk.c's main), and never sends that one. A script that counts what it sends
-- starts request() with `if verifying() then return <any request> end`: that call then counts nothing and moves no
-- state (no id used up, nothing kept to be sent again). setup() has set tid before init() and that call.
local verified = false

function verifying()
  if verified or tid ~= 1 then return false end
  verified = true
  return true
end

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if on_response then on_response(status, headers, body) end
end

local function json_map(t)
  local parts = {}
  for k, v in pairs(t) do
    parts[#parts + 1] = string.format('"%s":%d', tostring(k), v)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local st, ct = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do st[k] = (st[k] or 0) + v end
    for k, v in pairs(t:get("counters") or {}) do ct[k] = (ct[k] or 0) + v end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p75":%d,"p90":%d,"p95":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},' ..
    '"statuses":%s,"counters":%s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
    json_map(st), json_map(ct)))
end
