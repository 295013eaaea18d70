-- Cohort: the ISO week of each user's first /home view; period k retained
-- when an add_to_cart falls in week cohort + k; every cohort gets periods
-- 0 through 7. (DuckDB: the session's time zone is UTC.) The WEEKS and
-- DAY_TEXT placeholders are written in each engine's dialect by bench.py.
WITH firsts AS (
  SELECT user_id, date_trunc('week', min(timestamp)) AS cohort
  FROM events WHERE user_id IS NOT NULL AND event_type = 'view' AND name = '/home'
  GROUP BY user_id
),
returns AS (
  SELECT DISTINCT user_id, date_trunc('week', timestamp) AS week
  FROM events WHERE user_id IS NOT NULL AND event_type = 'action' AND name = 'add_to_cart'
),
sizes AS (SELECT cohort, count(*) AS users FROM firsts GROUP BY cohort),
retained AS (
  SELECT f.cohort, {WEEKS:f.cohort,r.week} AS period, count(*) AS retained
  FROM firsts f JOIN returns r ON f.user_id = r.user_id
  WHERE r.week >= f.cohort AND {WEEKS:f.cohort,r.week} <= 7
  GROUP BY f.cohort, {WEEKS:f.cohort,r.week}
)
SELECT {DAY_TEXT:s.cohort} AS cohort, p.period, s.users, coalesce(r.retained, 0) AS retained
FROM sizes s
CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7)) AS p(period)
LEFT JOIN retained r ON r.cohort = s.cohort AND r.period = p.period
ORDER BY cohort, p.period
