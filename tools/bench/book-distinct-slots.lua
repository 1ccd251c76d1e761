-- wrk script: anonymous bookings on distinct 5-minute slots, a new booker email each.
-- Needs an event type of 5 minutes whose organizer (zone UTC) is available all day, every day:
--   EVENT_TYPE_ID=<id> wrk -t2 -c64 -d15s -s tools/bench/book-distinct-slots.lua http://127.0.0.1:5080
-- OFFSET=<n> starts at another slot, to run it again on the same calendar.
local event_type = os.getenv("EVENT_TYPE_ID") or error("set EVENT_TYPE_ID")
local offset = tonumber(os.getenv("OFFSET") or "0")
local next_id = 0
local base = 1924992000 -- 2031-01-01T00:00:00Z

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

function init(args)
  counter = 0
end

function request()
  local k = offset + tid * 1000000 + counter
  counter = counter + 1
  local start = os.date("!%Y-%m-%dT%H:%M:00+00:00", base + k * 300)
  local body = string.format('{"eventTypeId":"%s","start":"%s","name":"Load %d","email":"load-%d@example.com"}',
    event_type, start, k, k)
  return wrk.format("POST", "/api/bookings", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d, p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
