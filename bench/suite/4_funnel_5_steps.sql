-- Four running-max window passes (one per step after the first): each
-- event of step j carries the latest chain start reaching step j-1 strictly
-- before it, kept when within the day; an actor's furthest step is the
-- highest step it carries a start for.
WITH e AS (
  SELECT user_id, {MS} AS ts,
    event_type = 'view' AND name = '/home' AS s1,
    event_type = 'view' AND name LIKE '/product/%' AS s2,
    event_type = 'action' AND name = 'add_to_cart' AS s3,
    event_type = 'view' AND name = '/cart' AS s4,
    event_type = 'action' AND name = 'CHECKOUT' AS s5
  FROM events
  WHERE user_id IS NOT NULL
    AND ((event_type = 'view' AND (name IN ('/home', '/cart') OR name LIKE '/product/%'))
     OR (event_type = 'action' AND name IN ('add_to_cart', 'CHECKOUT')))
),
r1 AS (SELECT *, CASE WHEN s1 THEN ts END AS st1 FROM e),
w2 AS (SELECT *, max(st1) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS b2 FROM r1),
r2 AS (SELECT *, CASE WHEN s2 AND ts - b2 <= 86400000 THEN b2 END AS st2 FROM w2),
w3 AS (SELECT *, max(st2) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS b3 FROM r2),
r3 AS (SELECT *, CASE WHEN s3 AND ts - b3 <= 86400000 THEN b3 END AS st3 FROM w3),
w4 AS (SELECT *, max(st3) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS b4 FROM r3),
r4 AS (SELECT *, CASE WHEN s4 AND ts - b4 <= 86400000 THEN b4 END AS st4 FROM w4),
w5 AS (SELECT *, max(st4) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS b5 FROM r4),
r5 AS (SELECT *, CASE WHEN s5 AND ts - b5 <= 86400000 THEN b5 END AS st5 FROM w5),
furthest AS (
  SELECT user_id,
    max(CASE WHEN st5 IS NOT NULL THEN 5 WHEN st4 IS NOT NULL THEN 4 WHEN st3 IS NOT NULL THEN 3
             WHEN st2 IS NOT NULL THEN 2 WHEN st1 IS NOT NULL THEN 1 END) AS reached
  FROM r5 GROUP BY user_id
)
SELECT step, count(*) FILTER (WHERE reached >= step) AS users
FROM furthest CROSS JOIN (VALUES (1), (2), (3), (4), (5)) AS steps(step)
GROUP BY step ORDER BY step
