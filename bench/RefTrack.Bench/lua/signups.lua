-- 3. Signups with attribution: each request registers a new user with the id of a seeded click. A share of them
-- (dup percent) is sent a second time by the very next request() call of the same thread, which wrk hands to another
-- connection: the two race in the server. Counters: sent_distinct (new external ids), sent_dupes.
-- args: path, api key, run tag, threads, click id prefix (8 hex), click base, click count, dup percent
local path, headers, tag, nthreads, clickPrefix, clickBase, clickCount, browserClicks, dup
local n, pending = 0, nil

function init(args)
  path, tag, nthreads, clickPrefix = args[1], args[3], tonumber(args[4]), args[5]
  clickBase, clickCount, dup = tonumber(args[6]), tonumber(args[7]), tonumber(args[8]) / 100
  -- Every 50th seeded click is a bot's (Seeding.cs: c % 50 == 49), and a bot's click never attributes a signup: only
  -- the browsers' clicks are named, the i-th of them being seeded click i + floor(i / 49).
  browserClicks = clickCount - math.floor(clickCount / 50)
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2] }
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  if verifying() then return wrk.format("POST", path, headers, "{}") end
  if pending then
    local again = pending
    pending = nil
    count("sent_dupes")
    return again
  end
  n = n + 1
  local external = string.format("u%s%d-%d", tag, tid, n)
  local i = (clickBase + (n - 1) * nthreads + (tid - 1)) % browserClicks
  local click = i + math.floor(i / 49)
  local body = string.format('{"externalId":"%s","email":"%s@example.com","clickId":"%s-0000-7000-8000-%012X"}',
    external, external, clickPrefix, click)
  local req = wrk.format("POST", path, headers, body)
  count("sent_distinct")
  if math.random() < dup then pending = req end
  return req
end
