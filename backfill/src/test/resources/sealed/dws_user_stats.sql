-- A non-summable aggregate per user and payment day: COUNT(DISTINCT) and MAX, written with the
-- default merge engine (the stream writes whole rows from its own state). The key is not the
-- first column.
CREATE TABLE IF NOT EXISTS dws_user_stats (
  ds STRING NOT NULL,
  user_id STRING NOT NULL,
  shops BIGINT NOT NULL,
  max_fee DECIMAL(20, 2),
  PRIMARY KEY (user_id, ds) NOT ENFORCED
) PARTITIONED BY (ds) WITH (
  'bucket' = '1',
  'changelog-producer' = 'lookup'
);

INSERT INTO dws_user_stats
SELECT DATE_FORMAT(pay_create_time, 'yyyyMMdd'), order_user_id, COUNT(DISTINCT order_shop_id), MAX(order_fee)
FROM dwd_orders
WHERE pay_id IS NOT NULL AND order_fee IS NOT NULL
  AND ds <= '${end_date}'
  AND DATE_FORMAT(pay_create_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}'
GROUP BY DATE_FORMAT(pay_create_time, 'yyyyMMdd'), order_user_id;
