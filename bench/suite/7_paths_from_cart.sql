-- Per session: views in time order (ties by name), repeats collapsed,
-- numbered; the path is the 4 names from the first /cart on.
WITH v AS (
  SELECT user_id, session_id, timestamp, name,
    lag(name) OVER (PARTITION BY user_id, session_id ORDER BY timestamp, name) AS previous
  FROM events
  WHERE user_id IS NOT NULL AND event_type = 'view' AND session_id IS NOT NULL
),
collapsed AS (
  SELECT user_id, session_id, name,
    row_number() OVER (PARTITION BY user_id, session_id ORDER BY timestamp, name) AS n
  FROM v WHERE previous IS NULL OR previous <> name
),
starts AS (
  SELECT user_id, session_id, min(n) AS start
  FROM collapsed WHERE name = '/cart' GROUP BY user_id, session_id
),
paths AS (
  SELECT c.user_id, c.session_id, string_agg(c.name, ' -> ' ORDER BY c.n) AS path
  FROM collapsed c JOIN starts s ON c.user_id = s.user_id AND c.session_id = s.session_id
  WHERE c.n >= s.start AND c.n < s.start + 4
  GROUP BY c.user_id, c.session_id
)
SELECT path, count(*) AS sessions, count(DISTINCT user_id) AS users
FROM paths GROUP BY path ORDER BY sessions DESC, path LIMIT 10
