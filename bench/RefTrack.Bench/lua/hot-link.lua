-- 1. Hot link: the same referral link over and over, from a browser. Static request (formatted once per thread).
-- args: path
function init(args)
  wrk.method = "GET"
  wrk.path = args[1]
  wrk.headers["User-Agent"] = BROWSER_AGENT
  wrk.headers["Accept"] = "text/html"
end
