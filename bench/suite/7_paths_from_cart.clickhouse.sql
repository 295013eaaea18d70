-- Per session holding a /cart view: its views sorted by (time, name),
-- repeats collapsed; the path is the 4 names from the first /cart on.
WITH sessions AS (
  SELECT user_id, arrayMap(v -> v.2, arraySort(groupArray((timestamp, name)))) AS views
  FROM events
  WHERE user_id IS NOT NULL AND event_type = 'view' AND session_id IS NOT NULL
  GROUP BY user_id, session_id
  HAVING has(groupArray(name), '/cart')
),
collapsed AS (
  SELECT user_id, arrayFilter((v, i) -> i = 1 OR v != views[i - 1], views, arrayEnumerate(views)) AS c
  FROM sessions
)
SELECT arrayStringConcat(arraySlice(c, indexOf(c, '/cart'), 4), ' -> ') AS path,
  count() AS sessions, uniqExact(user_id) AS users
FROM collapsed
GROUP BY path ORDER BY sessions DESC, path LIMIT 10
