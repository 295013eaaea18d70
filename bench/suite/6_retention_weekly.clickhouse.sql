-- Cohort: the ISO week (toMonday, in the column's UTC) of each user's first
-- /home view; period k retained when an add_to_cart falls in week
-- cohort + k; every cohort gets periods 0 through 7.
WITH firsts AS (
  SELECT user_id, toMonday(min(timestamp)) AS cohort
  FROM events WHERE user_id IS NOT NULL AND event_type = 'view' AND name = '/home'
  GROUP BY user_id
),
returns AS (
  SELECT DISTINCT user_id, toMonday(timestamp) AS week
  FROM events WHERE user_id IS NOT NULL AND event_type = 'action' AND name = 'add_to_cart'
),
sizes AS (SELECT cohort, count() AS users FROM firsts GROUP BY cohort),
retained AS (
  SELECT f.cohort AS cohort, intDiv(dateDiff('day', f.cohort, r.week), 7) AS period,
    count() AS retained
  FROM firsts f JOIN returns r ON f.user_id = r.user_id
  WHERE r.week >= f.cohort AND dateDiff('day', f.cohort, r.week) <= 49
  GROUP BY cohort, period
)
SELECT formatDateTime(s.cohort, '%Y-%m-%d') AS cohort, p.period AS period, s.users AS users,
  r.retained AS retained
FROM sizes s
CROSS JOIN (SELECT arrayJoin(range(8)) AS period) p
LEFT JOIN retained r ON r.cohort = s.cohort AND r.period = p.period
ORDER BY cohort, period
