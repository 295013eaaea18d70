SELECT uniqExact(user_id) AS members FROM (
  SELECT user_id FROM events
  WHERE user_id IS NOT NULL AND event_type = 'action' AND name = 'add_to_cart' AND session_id IS NOT NULL
  GROUP BY user_id, session_id
  HAVING count() >= 3
)
