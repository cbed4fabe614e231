-- Returning users: registrations of users already registered (the seeded referred users p0000000 …), as an
-- integrator that registers its users at every login sends them, with the referral code they came with. Each is
-- answered 200 with the stored participant and writes nothing. Counter: sent.
-- args: path, api key, user count, referral code
local path, headers, users, code

function init(args)
  path, users, code = args[1], tonumber(args[3]), args[4]
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2] }
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  if verifying() then return wrk.format("POST", path, headers, "{}") end
  local external = string.format("p%07d", math.random(0, users - 1))
  count("sent")
  return wrk.format("POST", path, headers,
    string.format('{"externalId":"%s","email":"%s@example.com","referralCode":"%s"}', external, external, code))
end
