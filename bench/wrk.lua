-- wrk script for `python -m bench`: prints the run's figures as one JSON line and,
-- when BENCH_CSRF is set, sends the write mix (new visits, checklist taps, trips)
-- instead of the GET given on the command line. The Cookie header comes from -H.

local function urlencode(s)
  return (tostring(s):gsub("[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function form(fields)
  local parts = {}
  for _, kv in ipairs(fields) do
    parts[#parts + 1] = kv[1] .. "=" .. urlencode(kv[2])
  end
  return table.concat(parts, "&")
end

local csrf = os.getenv("BENCH_CSRF")
if csrf then
  local prefix = os.getenv("BENCH_KEY_PREFIX")  -- unique per run: keys never repeat
  local run_id = os.getenv("BENCH_RUN_ID")
  local day = os.getenv("BENCH_DAY")  -- the day before the seed's anchor
  local steps = {}
  for id in string.gmatch(os.getenv("BENCH_STEPS"), "%d+") do
    steps[#steps + 1] = id
  end
  local count = 0

  request = function()
    count = count + 1
    local key = prefix .. count
    local headers = {}
    for name, value in pairs(wrk.headers) do
      headers[name] = value
    end
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local kind = count % 3
    if kind == 0 then
      return wrk.format("POST", "/clients/1/visits/new", headers, form({
        {"idempotency_key", key}, {"contact_type", "phone"}, {"placement_id", "0"},
        {"started_at", day .. "T09:00"}, {"ended_at", day .. "T09:23"},
        {"tasks_observed", "Bench visit"}, {"csrf_token", csrf},
      }))
    elseif kind == 1 then
      headers["HX-Request"] = "true"
      local step = steps[math.random(#steps)]
      return wrk.format("POST", "/runs/" .. run_id .. "/steps/" .. step, headers,
        form({{"level", "I"}, {"csrf_token", csrf}}))
    end
    return wrk.format("POST", "/mileage/new", headers, form({
      {"idempotency_key", key}, {"trip_date", day}, {"purpose", "Bench trip"},
      {"origin", "Office"}, {"destination", "Store"}, {"miles", "7.5"}, {"client_id", "0"},
      {"csrf_token", csrf},
    }))
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.4f, "p50": %.3f, "p95": %.3f, "p99": %.3f, ' ..
    '"errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
