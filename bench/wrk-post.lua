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
