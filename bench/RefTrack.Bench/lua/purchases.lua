-- 4. Purchases: a conversion with a fresh event id for a referred user (seeded p0000000 …): half of them a repeat
-- purchase of a buyer who converted already (seeded m % 10 < 5, drawn at random), half the first purchase of one who
-- has not (m % 10 >= 5, taken in order across threads from the first-purchase base, so each is bought for once while
-- the pool lasts). A share of the requests (replay percent) repeat an earlier event of this thread unchanged, half of
-- them the one just sent (so the two race in the server). Counters: sent_distinct (new event ids), sent_replays.
-- args: path, api key, run tag, buyer count, replay percent, threads, first-purchase base
local path, headers, tag, buyers, replay, nthreads, firstBase
local n, firsts, ring, ringSize, sent = 0, 0, {}, 64, 0

function init(args)
  path, tag, buyers, replay = args[1], args[3], tonumber(args[4]), tonumber(args[5]) / 100
  nthreads, firstBase = tonumber(args[6]), tonumber(args[7])
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2] }
  math.randomseed(os.time() * 1000 + tid)
end

-- The k-th buyer of one half: m % 10 < 5 (converted) or >= 5 (not), five of each in every ten.
local function buyer(k, converted)
  local m = math.floor(k / 5) * 10 + k % 5
  if not converted then m = m + 5 end
  return m
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
  local half = math.floor(buyers / 2)
  local m
  if math.random() < 0.5 then
    m = buyer(math.random(0, half - 1), true)
  else
    firsts = firsts + 1
    m = buyer((firstBase + (firsts - 1) * nthreads + (tid - 1)) % half, false)
  end
  local body = string.format(
    '{"participantExternalId":"p%07d","type":"purchase","amount":%d,"currency":"USD","externalId":"o%s%d-%d"}',
    m, math.random(500, 20000), tag, tid, n)
  local req = wrk.format("POST", path, headers, body)
  sent = sent + 1
  ring[(sent - 1) % ringSize + 1] = req
  count("sent_distinct")
  return req
end
