-- The same load for Alertmanager: one distinct alert per request, POST /api/v2/alerts.
local thread_tag = tostring(math.random(1, 1000000000))
local n = 0

request = function()
  n = n + 1
  local body = string.format(
    '[{"labels":{"alertname":"Flood","instance":"%s-%d","severity":"Severe"},' ..
    '"annotations":{"summary":"Allerta %s-%d","area":"Milano Niguarda",' ..
    '"instruction":"Salire ai piani alti."}}]', thread_tag, n, thread_tag, n)
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
end
