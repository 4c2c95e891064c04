-- bench/post.lua: POSTs the form with valid answers ($BENCH_BODY, the
-- urlencoded answers without the token) and a fresh token per request,
-- taken in order from the file bench/harvest.lua wrote for this thread
-- ($BENCH_TOKENS.<thread>).  If a thread runs out it starts again from
-- its first token and counts the reuse: a reused token gets the same
-- reference back and stores no row, so bench.py compares rows stored with
-- the 200s and reports both.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

function init(args)
	tokens = {}
	local prefix = os.getenv("BENCH_TOKENS") or ""
	if prefix == "" then
		-- The bare responder (bench/bare.c) reads no token.
		tokens[1] = "bare"
	else
		for line in io.lines(prefix .. "." .. id) do
			if line ~= "" then
				tokens[#tokens + 1] = line
			end
		end
	end
	assert(#tokens > 0, "no tokens for thread " .. id)
	local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
	answers = f:read("*a"):gsub("%s+$", "")
	f:close()
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
	used, reused, have = 0, 0, #tokens
end

-- Paced runs ($BENCH_DELAY_MS > 0): each connection waits that long
-- before each request, for the latency at a given rate rather than at
-- saturation.
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pause > 0 then
	function delay()
		return pause
	end
end

function request()
	used = used + 1
	if used > #tokens then
		reused = reused + 1
	end
	local t = tokens[(used - 1) % #tokens + 1]
	return wrk.format("POST", nil, headers,
	    "_token=" .. t .. "&_homepage=&" .. answers)
end

function done(summary, latency, requests)
	local u, r, h, each = 0, 0, 0, ""
	for _, t in ipairs(threads) do
		u = u + t:get("used")
		r = r + t:get("reused")
		h = h + t:get("have")
		each = each .. string.format(" used%d=%d", t:get("id"),
		    t:get("used"))
	end
	io.write(string.format("TOKENS have=%d used=%d reused=%d%s\n", h, u, r,
	    each))
	bench_done(summary, latency, requests)
end
