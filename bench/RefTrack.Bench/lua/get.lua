-- 5. Reports: authenticated GETs. With a referrer count, the path is prefix .. r%07d .. suffix for a referrer picked
-- uniformly (every referrer's dashboard is as likely); without, prefix alone.
-- args: prefix, api key, suffix, referrer count (0 = fixed path)
local prefix, suffix, referrers, headers

function init(args)
  prefix, suffix, referrers = args[1], args[3] or "", tonumber(args[4] or "0")
  headers = { ["Authorization"] = "Bearer " .. args[2] }
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  if referrers > 0 then
    return wrk.format("GET", string.format("%sr%07d%s", prefix, math.random(0, referrers - 1), suffix), headers)
  end
  return wrk.format("GET", prefix, headers)
end
