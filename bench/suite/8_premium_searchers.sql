-- A two-step sequence within a session holds when the session's first
-- search view comes strictly before its last add_to_cart.
SELECT count(*) AS members FROM (
  SELECT DISTINCT s.user_id FROM (
    SELECT user_id, session_id,
      min(CASE WHEN event_type = 'view' AND name = '/search' THEN timestamp END) AS first_search,
      max(CASE WHEN event_type = 'action' AND name = 'add_to_cart' THEN timestamp END) AS last_add
    FROM events
    WHERE user_id IS NOT NULL AND session_id IS NOT NULL
      AND timestamp >= {TIME:2026-03-02} AND timestamp < {TIME:2026-04-01}
      AND ((event_type = 'view' AND name = '/search') OR (event_type = 'action' AND name = 'add_to_cart'))
    GROUP BY user_id, session_id
  ) s
  JOIN users u ON u.user_id = s.user_id
  WHERE u.plan = 'premium' AND s.first_search < s.last_add
) m
