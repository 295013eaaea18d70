-- windowFunnel per user over epoch milliseconds; its bound reads
-- `t <= t(first step) + 86400000` (inclusive, as segql's `within 1 day`),
-- and 'strict_increase' wants the checkout strictly after the /home view,
-- as segql does (see 2_home_cart_checkout_1h.clickhouse.sql).
SELECT step, countIf(level >= step) AS users FROM (
  SELECT user_id,
    windowFunnel(86400000, 'strict_increase')(toUInt64(toUnixTimestamp64Milli(timestamp)),
      event_type = 'view' AND name = '/home',
      event_type = 'action' AND name = 'CHECKOUT') AS level
  FROM events
  WHERE user_id IS NOT NULL
    AND ((event_type = 'view' AND name = '/home') OR (event_type = 'action' AND name = 'CHECKOUT'))
  GROUP BY user_id
)
ARRAY JOIN [1, 2] AS step
GROUP BY step ORDER BY step
