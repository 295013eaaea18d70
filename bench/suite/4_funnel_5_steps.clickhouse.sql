-- windowFunnel per user. Its bound reads `t <= t(first step) + window`,
-- inclusive as segql's `within 1 day`. segql wants each step strictly
-- after the previous one, and here a product view and its add_to_cart
-- often share a millisecond; neither of windowFunnel's plain modes reads
-- that as segql does:
-- - the default mode lets a step follow an event of the same millisecond
--   (more users from step 3 on);
-- - 'strict_increase' compares with the latest event that reached the
--   previous step, so a product view in the same millisecond as the add
--   hides an earlier product view of the same chain (fewer users).
-- So the time given to windowFunnel is the millisecond times 8 plus
-- 7 - (the event's step - 1): within one millisecond later steps sort first
-- and never follow an event of the same millisecond, while every earlier
-- millisecond is seen; the window is 8 times the day, which with steps
-- below 8 keeps `t - t(first) <= 86400000` exact. (The steps match
-- disjoint events, so each event has one step.)
SELECT step, countIf(level >= step) AS users FROM (
  SELECT user_id,
    windowFunnel(8 * 86400000)(
      toUInt64(toUnixTimestamp64Milli(timestamp)) * 8 + toUInt64(7 - multiIf(
        event_type = 'view' AND name = '/home', 0,
        event_type = 'view' AND name LIKE '/product/%', 1,
        event_type = 'action' AND name = 'add_to_cart', 2,
        event_type = 'view' AND name = '/cart', 3,
        4)),
      event_type = 'view' AND name = '/home',
      event_type = 'view' AND name LIKE '/product/%',
      event_type = 'action' AND name = 'add_to_cart',
      event_type = 'view' AND name = '/cart',
      event_type = 'action' AND name = 'CHECKOUT') AS level
  FROM events
  WHERE user_id IS NOT NULL
    AND ((event_type = 'view' AND (name IN ('/home', '/cart') OR name LIKE '/product/%'))
     OR (event_type = 'action' AND name IN ('add_to_cart', 'CHECKOUT')))
  GROUP BY user_id
)
ARRAY JOIN [1, 2, 3, 4, 5] AS step
GROUP BY step ORDER BY step
