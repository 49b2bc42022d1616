-- wrk script for bench/slow-receiver.sh: POSTs one tryout per request and
-- counts the answers whose delivery succeeded.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("TRYOUT_BODY")

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    success = 0
    other = 0
end

function response(status, headers, body)
    if status == 200 and body:find('"status":"success"', 1, true) then
        success = success + 1
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local s, o = 0, 0

    for _, t in ipairs(threads) do
        s = s + t:get("success")
        o = o + t:get("other")
    end

    io.write(string.format("deliveries: %d success, %d other\n", s, o))
end
