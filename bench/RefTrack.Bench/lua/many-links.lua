-- 2. Many links: codes picked by a Zipf distribution (rank 1 most popular) from a file of codes in rank order.
-- args: path prefix, codes file, zipf exponent
local codes, cdf, prefix, headers = {}, {}, nil, nil

function init(args)
  prefix = args[1]
  for line in io.lines(args[2]) do codes[#codes + 1] = line end
  local s, sum = tonumber(args[3]), 0
  for k = 1, #codes do
    sum = sum + 1 / (k ^ s)
    cdf[k] = sum
  end
  for k = 1, #codes do cdf[k] = cdf[k] / sum end
  math.randomseed(os.time() * 1000 + tid)
  headers = { ["User-Agent"] = BROWSER_AGENT, ["Accept"] = "text/html" }
end

local function pick()
  local u, lo, hi = math.random(), 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return codes[lo]
end

function request()
  return wrk.format("GET", prefix .. pick(), headers)
end
