-- wrk script: POST the body in $BENCH_BODY with the headers of
-- $BENCH_HEADERS ("Name: value" lines).

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or ""

for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
        wrk.headers[name] = value
    end
end

-- $BENCH_CHECK: count the answers that are not a delivered tryout (the
-- module's and njs's 200 with "status":"success", proxy_pass's 204), and
-- print them at the end; bench/run fails the run if there are any.

if os.getenv("BENCH_CHECK") == "1" then
    local threads = {}

    function setup(thread)
        table.insert(threads, thread)
    end

    function init(args)
        failed = 0
    end

    function response(status, headers, body)
        if status ~= 204
           and not (status == 200
                    and body:find('"status":"success"', 1, true))
        then
            failed = failed + 1
        end
    end

    function done(summary, latency, requests)
        local n = 0

        for _, thread in ipairs(threads) do
            n = n + thread:get("failed")
        end

        io.write(string.format("failed answers: %d\n", n))
    end
end
