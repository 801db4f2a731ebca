-- DWS: total paid per shop per payment day.
-- The table sums what it receives ('aggregation' merge engine): the stream's GROUP BY sends
-- retract/update pairs that become deltas, so a backfilled partition and the running stream agree.
CREATE TABLE IF NOT EXISTS dws_shops (
  shop_id BIGINT NOT NULL,
  ds STRING NOT NULL,
  paied_buy_fee_sum DECIMAL(20, 2) NOT NULL COMMENT 'Total amount of payment that is complete on that day',
  PRIMARY KEY (shop_id, ds) NOT ENFORCED
) PARTITIONED BY (ds) WITH (
  'bucket' = '2',
  'merge-engine' = 'aggregation',
  'fields.paied_buy_fee_sum.aggregate-function' = 'sum',
  'changelog-producer' = 'lookup'
);

INSERT INTO dws_shops
SELECT order_shop_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd') AS ds, SUM(order_fee)
FROM dwd_orders
WHERE pay_id IS NOT NULL AND order_fee IS NOT NULL
  AND ds <= '${end_date}'
  AND DATE_FORMAT(pay_create_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}'
GROUP BY order_shop_id, DATE_FORMAT(pay_create_time, 'yyyyMMdd');
