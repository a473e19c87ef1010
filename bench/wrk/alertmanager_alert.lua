-- The same load for Alertmanager: one distinct alert per request, POST /api/v2/alerts (the
-- same labels would merge into one alert).
dofile("bench/wrk/distinct_tag.lua")
local n = 0

function request()
  n = n + 1
  local body = string.format(
    '[{"labels":{"alertname":"Flood","instance":"%s-%d","severity":"Severe"},' ..
    '"annotations":{"summary":"Allerta %s-%d","area":"Milano Niguarda",' ..
    '"instruction":"Salire ai piani alti."}}]', tag, n, tag, n)
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
end
