-- Seed 000's live change: a new order for user_003 at shop 12345, and its payment.
INSERT INTO orders VALUES
  (100008, 'user_003', 12345, 5, 6000.02, '2023-02-15 09:40:56', '2023-02-15 18:42:56', 1);
INSERT INTO orders_pay VALUES
  (2008, 100008, 1, '2023-02-15 19:40:56');
