-- One distinct alert per request (a real operator never posts the same one twice).
-- The key comes from the environment: ARALDO_KEY.
local thread_tag = tostring(math.random(1, 1000000000))
local n = 0
local key = os.getenv("ARALDO_KEY")

request = function()
  n = n + 1
  local body = string.format(
    '{"headline":"Allerta %s-%d","event":"Flood","category":"Met","severity":"Severe",' ..
    '"urgency":"Immediate","certainty":"Observed","area":"Milano Niguarda",' ..
    '"instruction":"Salire ai piani alti."}', thread_tag, n)
  return wrk.format("POST", "/v1/alerts",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
