-- bench/harvest.lua: GETs a form page and keeps the token of each one,
-- one file per wrk thread ($BENCH_TOKENS.<thread>), one token a line; a
-- thread stops once it has $BENCH_WANT_PER_THREAD.  The POST runs take them
-- one per request (bench/post.lua), so every POST carries a fresh, valid
-- token, minted by the service as usual.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

function init(args)
	out = assert(io.open(os.getenv("BENCH_TOKENS") .. "." .. id, "w"))
	-- Line-buffered: wrk stops its threads without a callback, so
	-- nothing may wait in a buffer.
	out:setvbuf("line")
	got, bad = 0, 0
	want = tonumber(os.getenv("BENCH_WANT_PER_THREAD") or "0")
end

function response(status, headers, body)
	local t = status == 200 and
	    body:match('name="_token" value="([A-Za-z0-9_-]+)"')
	if t then
		out:write(t, "\n")
		got = got + 1
		if want > 0 and got >= want then
			wrk.thread:stop()
		end
	else
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	local g, b = 0, 0
	for _, t in ipairs(threads) do
		g = g + t:get("got")
		b = b + t:get("bad")
	end
	io.write(string.format("HARVEST tokens=%d bad=%d\n", g, b))
	bench_done(summary, latency, requests)
end
