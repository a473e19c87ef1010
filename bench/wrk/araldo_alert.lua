-- One distinct alert per request (a real operator never posts the same one twice): each
-- wrk thread tags its alerts with the run's start time and its own number. (Lua's
-- math.random is unseeded in wrk, so a random tag would repeat across threads and runs,
-- and X and Facebook refuse duplicate posts.) The key comes from the environment: ARALDO_KEY.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local tag
local n = 0
local key = os.getenv("ARALDO_KEY")

function init(args)
  tag = string.format("%d-%d", os.time(), thread_id)
end

function request()
  n = n + 1
  local body = string.format(
    '{"headline":"Allerta %s-%d","event":"Flood","category":"Met","severity":"Severe",' ..
    '"urgency":"Immediate","certainty":"Observed","area":"Milano Niguarda",' ..
    '"instruction":"Salire ai piani alti."}', tag, n)
  return wrk.format("POST", "/v1/alerts",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
