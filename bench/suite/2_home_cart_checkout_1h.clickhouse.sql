-- windowFunnel per user over epoch milliseconds. How it reads the bound:
-- a step counts when `t <= t(first step) + 3600000`, inclusive like segql's
-- `t(pk) - t(p1) <= D`. 'strict_increase' makes each step strictly later
-- than the previous step's event, as segql's steps are; it compares with
-- the latest event that reached the previous step, so it would miss a chain
-- whose previous step is reached again in the same millisecond (none of
-- these three steps share a millisecond in the benchmark's data; see
-- 4_funnel_5_steps.clickhouse.sql for a funnel where they do).
SELECT count() AS members FROM (
  SELECT user_id,
    windowFunnel(3600000, 'strict_increase')(toUInt64(toUnixTimestamp64Milli(timestamp)),
      event_type = 'view' AND name = '/home',
      event_type = 'view' AND name = '/cart',
      event_type = 'action' AND name = 'CHECKOUT') AS level
  FROM events
  WHERE user_id IS NOT NULL
    AND ((event_type = 'view' AND name IN ('/home', '/cart'))
     OR (event_type = 'action' AND name = 'CHECKOUT'))
  GROUP BY user_id
)
WHERE level = 3
