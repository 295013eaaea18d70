-- A two-step sequence within a session holds when the session's first
-- search view comes strictly before its last add_to_cart; members are the
-- premium users among those.
SELECT uniqExact(user_id) AS members FROM (
  SELECT user_id,
    minIfOrNull(timestamp, event_type = 'view' AND name = '/search') AS first_search,
    maxIfOrNull(timestamp, event_type = 'action' AND name = 'add_to_cart') AS last_add
  FROM events
  WHERE user_id IS NOT NULL AND session_id IS NOT NULL
    AND timestamp >= {TIME:2026-03-02} AND timestamp < {TIME:2026-04-01}
    AND ((event_type = 'view' AND name = '/search') OR (event_type = 'action' AND name = 'add_to_cart'))
  GROUP BY user_id, session_id
  HAVING first_search < last_add
)
WHERE user_id IN (SELECT user_id FROM users WHERE plan = 'premium')
