-- A session holds "viewed /cart then not action CHECKOUT" when its last
-- cart view is not followed by a later checkout: compare the two maxima
-- (maxIfOrNull: null when the session has no such event).
SELECT uniqExact(user_id) AS members FROM (
  SELECT user_id,
    maxIfOrNull(timestamp, event_type = 'view' AND name = '/cart') AS last_cart,
    maxIfOrNull(timestamp, event_type = 'action' AND name = 'CHECKOUT') AS last_checkout
  FROM events
  WHERE user_id IS NOT NULL AND session_id IS NOT NULL
    AND ((event_type = 'view' AND name = '/cart') OR (event_type = 'action' AND name = 'CHECKOUT'))
  GROUP BY user_id, session_id
  HAVING last_cart IS NOT NULL AND (last_checkout IS NULL OR last_checkout <= last_cart)
)
