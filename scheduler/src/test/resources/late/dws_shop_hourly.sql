-- Orders per shop and hour, by an event-time window: a row behind the window's watermark is dropped.
CREATE TABLE IF NOT EXISTS dws_shop_hourly (
  shop_id BIGINT NOT NULL,
  dh STRING NOT NULL,
  order_cnt BIGINT,
  PRIMARY KEY (shop_id, dh) NOT ENFORCED
) PARTITIONED BY (dh) WITH (
  'bucket' = '1'
);

INSERT INTO dws_shop_hourly
SELECT order_shop_id, DATE_FORMAT(window_start, 'yyyyMMddHH') AS dh, COUNT(*)
FROM TABLE(TUMBLE(TABLE dwd_orders, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
WHERE ds BETWEEN SUBSTRING('${start_date}', 1, 8) AND SUBSTRING('${end_date}', 1, 8)
  AND order_fee IS NOT NULL
GROUP BY order_shop_id, window_start, window_end;
