-- 4. Purchases: a conversion for a random referred user (seeded p0000000 …), with a fresh event id; a share of the
-- requests (replay percent) repeat an earlier event of this thread unchanged, half of them the one just sent (so the
-- two race in the server). Counters: sent_distinct (new event ids), sent_replays.
-- args: path, api key, run tag, buyer count, replay percent
local path, headers, tag, buyers, replay
local n, ring, ringSize, sent = 0, {}, 64, 0

function init(args)
  path, tag, buyers, replay = args[1], args[3], tonumber(args[4]), tonumber(args[5]) / 100
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2] }
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  if verifying() then return wrk.format("POST", path, headers, "{}") end
  if sent > 0 and math.random() < replay then
    local back = 0
    if math.random() >= 0.5 then back = math.random(0, math.min(sent, ringSize) - 1) end
    count("sent_replays")
    return ring[(sent - 1 - back) % ringSize + 1]
  end
  n = n + 1
  local body = string.format(
    '{"participantExternalId":"p%07d","type":"purchase","amount":%d,"currency":"USD","externalId":"o%s%d-%d"}',
    math.random(0, buyers - 1), math.random(500, 20000), tag, tid, n)
  local req = wrk.format("POST", path, headers, body)
  sent = sent + 1
  ring[(sent - 1) % ringSize + 1] = req
  count("sent_distinct")
  return req
end
