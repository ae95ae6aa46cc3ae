/**
 * Lua run by the trial store. Each script touches the keys of one session only (all share its `{session}`
 * hash tag), so it runs on one Redis Cluster node.
 */

/**
 * Gives every name in ARGV (`<kind>:<name>`) its index in KEYS[1], adding missing ones as the next index of
 * their kind (counted under the field `#<kind>`). Atomic, so two workers adding one metric agree on its index.
 */
export const INTERN_NAMES = `
local out = {}
for i, name in ipairs(ARGV) do
  local v = redis.call('HGET', KEYS[1], name)
  if not v then
    v = redis.call('HINCRBY', KEYS[1], '#' .. string.sub(name, 1, 1), 1) - 1
    redis.call('HSET', KEYS[1], name, v)
  end
  out[i] = tonumber(v)
end
return out
`;

/**
 * Writes a batch of trial records into their buckets.
 *
 * KEYS: 1 the bucket hash, 2 the tally hash (`count`, `max`), 3 the legacy id index, 4 the legacy leaderboard,
 * then the legacy record key of each record, in ARGV order. ARGV: the number of buckets, then per bucket its
 * field and its number of records, then per record: slot, trial id, '1' when it succeeded or was pruned, bucket entry.
 * Returns per record (in ARGV order) 1 when written, 0 when a stored success was kept.
 *
 * A late success of a timed-out attempt must win over a failure record, never the other way round: the stored
 * status is the first byte of the stored record (bit 0), or, for a session begun by an earlier release, the
 * `status` of its decoded JSON record (decoded rather than searched, since parameters may hold any text; a
 * record that does not decode is not a success). A legacy record that is replaced is removed with its index
 * entries, so the two layouts never hold one id twice and counting stays a sum.
 */
export const PUT_TRIALS = `
local hasLegacy = redis.call('EXISTS', KEYS[3]) == 1
local maxId = tonumber(redis.call('HGET', KEYS[2], 'max') or '0')
local added = 0
local results = {}
local a = 2
local k = 5
for g = 1, tonumber(ARGV[1]) do
  local field, n = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  local current = redis.call('HGET', KEYS[1], field) or ''
  local entries, status = {}, {}
  local p = 1
  while p <= #current do
    local slot = string.byte(current, p)
    local len, scale, q = 0, 1, p + 1
    repeat
      local b = string.byte(current, q)
      len = len + (b % 128) * scale
      scale = scale * 128
      q = q + 1
    until b < 128
    entries[slot] = string.sub(current, p, q + len - 1)
    status[slot] = string.byte(current, q) % 2
    p = q + len
  end
  for r = 1, n do
    local slot, id, succeeded, entry = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2] == '1', ARGV[a + 3]
    a = a + 4
    local legacyKey = KEYS[k]
    k = k + 1
    local stored = status[slot]
    local legacyText = false
    if stored == nil and hasLegacy then
      legacyText = redis.call('GET', legacyKey)
      if legacyText then
        local ok, record = pcall(cjson.decode, legacyText)
        stored = (ok and type(record) == 'table' and record['status'] == 'succeeded') and 1 or 0
      end
    end
    if stored == 1 and not succeeded then
      results[#results + 1] = 0
    else
      if entries[slot] == nil then added = added + 1 end
      entries[slot] = entry
      status[slot] = succeeded and 1 or 0
      if legacyText then
        redis.call('DEL', legacyKey)
        redis.call('ZREM', KEYS[3], id)
        redis.call('ZREM', KEYS[4], id)
      end
      if id > maxId then maxId = id end
      results[#results + 1] = 1
    end
  end
  local parts = {}
  for s = 0, 15 do
    if entries[s] then parts[#parts + 1] = entries[s] end
  end
  redis.call('HSET', KEYS[1], field, table.concat(parts))
end
if added > 0 then redis.call('HINCRBY', KEYS[2], 'count', added) end
redis.call('HSET', KEYS[2], 'max', maxId)
return results
`;
