-- A session holds "viewed /cart then not action CHECKOUT" when its last
-- cart view is not followed by a later checkout: compare the two maxima.
SELECT count(*) AS members FROM (
  SELECT DISTINCT user_id FROM (
    SELECT user_id, session_id,
      max(CASE WHEN event_type = 'view' AND name = '/cart' THEN timestamp END) AS last_cart,
      max(CASE WHEN event_type = 'action' AND name = 'CHECKOUT' THEN timestamp END) AS last_checkout
    FROM events
    WHERE user_id IS NOT NULL AND session_id IS NOT NULL
      AND ((event_type = 'view' AND name = '/cart') OR (event_type = 'action' AND name = 'CHECKOUT'))
    GROUP BY user_id, session_id
  ) s
  WHERE last_cart IS NOT NULL AND (last_checkout IS NULL OR last_checkout <= last_cart)
) m
