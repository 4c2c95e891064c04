-- bench/report.lua: the one line every wrk run of `make bench` ends with,
-- for bench/bench.py to read.  Used alone (static page, GET) or loaded by
-- the other scripts with dofile().  Times are microseconds.
function bench_done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH requests=%d duration_us=%d bytes=%d " ..
	    "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%d " ..
	    "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
	    summary.requests, summary.duration, summary.bytes,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, latency.mean,
	    e.status, e.connect, e.read, e.write, e.timeout))
end

done = bench_done

-- Numbers each wrk thread (its global "id") and keeps them in "threads",
-- for scripts that keep one file per thread and sum them in done().
threads, counter = {}, 0

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end
