-- One distinct alert per request (a real operator never posts the same one twice).
-- The key comes from the environment: ARALDO_KEY.
dofile("bench/wrk/distinct_tag.lua")
local n = 0
local key = os.getenv("ARALDO_KEY")

function request()
  n = n + 1
  local body = string.format(
    '{"headline":"Allerta %s-%d","event":"Flood","category":"Met","severity":"Severe",' ..
    '"urgency":"Immediate","certainty":"Observed","area":"Milano Niguarda",' ..
    '"instruction":"Salire ai piani alti."}', tag, n)
  return wrk.format("POST", "/v1/alerts",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
