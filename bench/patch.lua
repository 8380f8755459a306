-- patch.lua - wrk script: PATCH /api/v1/entities/ID with If-Match, measuring real, successful writes.
--
--   PATCH_RECORDS="id:version,id:version,..." TOKEN=... wrk -t2 -c64 -d30s -s bench/patch.lua URL
--
-- The records are dealt out to the wrk threads so that no two threads share one, and each thread keeps
-- a queue of its free records: a request takes a record from the queue and sends the record's current
-- version in If-Match ("vN"); the 200 answer carries the row with its new version, which puts the record
-- back in the queue.  So a record is never in flight twice, every PATCH names the version it read, and a
-- 412 can only mean that something else wrote the record: it is a real error here, not an expected
-- optimistic-concurrency answer.  After a failed request the record's version is read again with a GET
-- (counted apart: "resync").  Each PATCH sets a new note, so every request is a real write (an update
-- that changes nothing is not written, and would not measure anything).  Each thread needs more records
-- than it has connections (-c / -t; WRK_THREADS must equal -t).  done() prints one summary line:
--   patch.lua: ok=N conflict=N other=N resync=N
-- ok: 200 answers carrying the sent version + 1; conflict: 412 answers; other: any other failed PATCH;
-- resync: GETs after a failure.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local free, inflight, version, kind = {}, {}, {}, {}
local seq = 0
local token = os.getenv("TOKEN") or ""
-- globals, so that done() can read them from each thread with thread:get()
ok, conflict, other, resync = 0, 0, 0, 0

function init(args)
   local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
   local i = 0
   for id, v in string.gmatch(os.getenv("PATCH_RECORDS") or "", "(%d+):(%d+)") do
      if i % nthreads == tid then
         id = tonumber(id)
         version[id] = tonumber(v)
         table.insert(free, id)
      end
      i = i + 1
   end
   if #free == 0 then
      error("patch.lua: no records for thread " .. tid .. " (set PATCH_RECORDS and WRK_THREADS)")
   end
end

function request()
   local id = table.remove(free, 1)
   if id == nil then error("patch.lua: every record of thread " .. tid .. " is in flight: give it more records") end
   inflight[id] = true
   local hdr = { ["Authorization"] = "Bearer " .. token }
   if version[id] == nil then
      kind[id] = "GET"
      return wrk.format("GET", "/api/v1/entities/" .. id, hdr)
   end
   kind[id] = "PATCH"
   seq = seq + 1
   hdr["Content-Type"] = "application/json"
   hdr["If-Match"] = '"v' .. version[id] .. '"'
   local body = string.format('{"note":"bench t%d #%d"}', tid, seq)
   return wrk.format("PATCH", "/api/v1/entities/" .. id, hdr, body)
end

function response(status, headers, body)
   -- the record is named in the row (200) or in the problem's "instance" (errors)
   local id = tonumber(string.match(body, '"id"%s*:%s*(%d+)') or string.match(body, "/entities/(%d+)") or "")
   if id == nil or not inflight[id] then return end
   inflight[id] = nil
   local v = tonumber(string.match(body, '"version"%s*:%s*(%d+)') or "")
   if kind[id] == "PATCH" then
      if status == 200 and v == version[id] + 1 then
         ok = ok + 1
      elseif status == 412 then
         conflict = conflict + 1
      else
         other = other + 1
      end
   elseif status == 200 then
      resync = resync + 1
   end
   if status == 200 and v then version[id] = v else version[id] = nil end
   table.insert(free, id)
end

function done(summary, latency, requests)
   local t = { ok = 0, conflict = 0, other = 0, resync = 0 }
   for _, thread in ipairs(threads) do
      for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
   end
   io.write(string.format("patch.lua: ok=%d conflict=%d other=%d resync=%d\n", t.ok, t.conflict, t.other, t.resync))
end
