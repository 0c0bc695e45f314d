-- wrk script for the flash-sale bench: rotate pre-issued shoppers, report once N responses came.
-- BENCH_FLASH_DATA: file of "<access token>\t<JSON body>" lines (one per shopper);
-- BENCH_FLASH_PATH: the buy path; BENCH_FLASH_REQUESTS: responses to collect (all threads);
-- BENCH_FLASH_MARKERS: a directory where each thread drops a file once it has its share.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BENCH_FLASH_PATH")
  local total = tonumber(os.getenv("BENCH_FLASH_REQUESTS"))
  local nthreads = tonumber(os.getenv("BENCH_FLASH_THREADS") or "1")
  quota = math.ceil(total / nthreads)
  requests = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_FLASH_DATA")) do
    local token, body = string.match(line, "^([^\t]+)\t(.*)$")
    n = n + 1
    requests[n] = wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
    }, body)
  end
  -- Threads start at different shoppers so they do not send the same one at once.
  cursor = (id * math.floor(n / nthreads)) % n
  count = n
  responses, s202, s409, s429, s4xx, sother = 0, 0, 0, 0, 0, 0
end

function request()
  cursor = cursor % count + 1
  return requests[cursor]
end

function response(status, headers, body)
  responses = responses + 1
  if status == 202 then s202 = s202 + 1
  elseif status == 409 then s409 = s409 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  else sother = sother + 1 end
  if responses == quota then
    -- Tell the bench this thread has its share; it interrupts wrk once all threads do.
    local marker = io.open(os.getenv("BENCH_FLASH_MARKERS") .. "/done-" .. id, "w")
    marker:write("1")
    marker:close()
  end
end

function done(summary, latency, requests)
  local t = {s202 = 0, s409 = 0, s429 = 0, s4xx = 0, sother = 0, responses = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do
      t[name] = t[name] + (thread:get(name) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
    '"status":{"202":%d,"409":%d,"429":%d,"other_4xx":%d,"other":%d},"responses":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    t.s202, t.s409, t.s429, t.s4xx, t.sother, t.responses))
end
