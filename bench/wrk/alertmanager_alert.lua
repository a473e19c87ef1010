-- The same load for Alertmanager: one distinct alert per request, POST /api/v2/alerts,
-- tagged per thread and run as in araldo_alert.lua (the same labels would merge into one
-- alert).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local tag
local n = 0

function init(args)
  tag = string.format("%d-%d", os.time(), thread_id)
end

function request()
  n = n + 1
  local body = string.format(
    '[{"labels":{"alertname":"Flood","instance":"%s-%d","severity":"Severe"},' ..
    '"annotations":{"summary":"Allerta %s-%d","area":"Milano Niguarda",' ..
    '"instruction":"Salire ai piani alti."}}]', tag, n, tag, n)
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
end
