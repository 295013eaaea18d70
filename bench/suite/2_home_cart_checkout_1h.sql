-- Two running-max window passes: for each step, the latest chain start among
-- the previous step's events strictly before it (RANGE ... 1 PRECEDING over
-- milliseconds), kept when it lies within the hour.
WITH e AS (
  SELECT user_id, {MS} AS ts,
    event_type = 'view' AND name = '/home' AS is_home,
    event_type = 'view' AND name = '/cart' AS is_cart,
    event_type = 'action' AND name = 'CHECKOUT' AS is_checkout
  FROM events
  WHERE user_id IS NOT NULL
    AND ((event_type = 'view' AND name IN ('/home', '/cart'))
     OR (event_type = 'action' AND name = 'CHECKOUT'))
),
home AS (
  SELECT *, max(CASE WHEN is_home THEN ts END) OVER (
    PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS home_before
  FROM e
),
cart AS (
  SELECT *, CASE WHEN is_cart AND ts - home_before <= 3600000 THEN home_before END AS cart_start
  FROM home
),
checkout AS (
  SELECT *, max(cart_start) OVER (
    PARTITION BY user_id ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS start_before
  FROM cart
)
SELECT count(DISTINCT user_id) AS members FROM checkout
WHERE is_checkout AND ts - start_before <= 3600000
