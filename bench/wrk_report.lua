-- wrk script for the Shoplet bench: request from the environment, results as one JSON line.
-- BENCH_METHOD (GET), BENCH_BODY (optional), BENCH_HEADERS ("Name: value" lines, optional).
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end
local headers = os.getenv("BENCH_HEADERS")
if headers ~= nil and headers ~= "" then
  for line in string.gmatch(headers, "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name ~= nil then
      wrk.headers[name] = value
    end
  end
end

-- A header value containing {seq} gets a value of its own in every request (an Idempotency-Key
-- that must not repeat): a random per-thread prefix from /dev/urandom plus a counter.
local templated = {}
for name, value in pairs(wrk.headers) do
  if string.find(value, "{seq}", 1, true) then
    templated[name] = value
  end
end
if next(templated) ~= nil then
  local source = io.open("/dev/urandom", "rb")
  local raw = source and source:read(6) or tostring(os.time())
  if source then source:close() end
  local prefix = string.gsub(raw, ".", function(c) return string.format("%02x", string.byte(c)) end)
  local counter = 0
  request = function()
    counter = counter + 1
    for name, value in pairs(templated) do
      wrk.headers[name] = (string.gsub(value, "{seq}", prefix .. "-" .. counter))
    end
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
