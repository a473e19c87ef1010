-- Shared by the wrk scripts: each thread tags its alerts with the run's start time and its
-- own number, so no alert repeats across threads or runs. (Lua's math.random is unseeded in
-- wrk, so a random tag would repeat, and X and Facebook refuse duplicate posts.) Sets the
-- global `tag` in each thread. Loaded by path from the project root, where wrk runs.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  tag = string.format("%d-%d", os.time(), thread_id)
end
