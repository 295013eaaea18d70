WITH e AS (
  SELECT user_id, {MS} AS ts,
    event_type = 'view' AND name = '/home' AS s1,
    event_type = 'action' AND name = 'CHECKOUT' AS s2
  FROM events
  WHERE user_id IS NOT NULL
    AND ((event_type = 'view' AND name = '/home') OR (event_type = 'action' AND name = 'CHECKOUT'))
),
w2 AS (SELECT *, max(CASE WHEN s1 THEN ts END) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS b2 FROM e),
furthest AS (
  SELECT user_id,
    max(CASE WHEN s2 AND ts - b2 <= 86400000 THEN 2 WHEN s1 THEN 1 END) AS reached
  FROM w2 GROUP BY user_id
)
SELECT step, count(*) FILTER (WHERE reached >= step) AS users
FROM furthest CROSS JOIN (VALUES (1), (2)) AS steps(step)
GROUP BY step ORDER BY step
