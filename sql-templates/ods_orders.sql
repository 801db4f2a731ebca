-- ODS: raw copy of MySQL `orders`, partitioned by the order's day.
-- The source table names only the MySQL table: Weir adds host, credentials and server ids from the
-- conf's `source` section (and reads a bounded snapshot when backfilling).
CREATE TEMPORARY TABLE mysql_orders (
  order_id BIGINT NOT NULL,
  user_id STRING,
  shop_id BIGINT,
  product_id BIGINT,
  buy_fee DECIMAL(20, 2),
  create_time TIMESTAMP(3) NOT NULL,
  update_time TIMESTAMP(3),
  state INT,
  PRIMARY KEY (order_id) NOT ENFORCED,
  WATERMARK FOR create_time AS create_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'mysql-cdc',
  'table-name' = 'orders'
);

CREATE TABLE IF NOT EXISTS ods_orders (
  order_id BIGINT NOT NULL,
  user_id STRING,
  shop_id BIGINT,
  product_id BIGINT,
  buy_fee DECIMAL(20, 2),
  create_time TIMESTAMP(3) NOT NULL,
  update_time TIMESTAMP(3),
  state INT,
  ds STRING NOT NULL,
  PRIMARY KEY (order_id, ds) NOT ENFORCED,
  WATERMARK FOR create_time AS create_time - INTERVAL '5' SECOND
) PARTITIONED BY (ds) WITH (
  'bucket' = '2',
  'changelog-producer' = 'input'
);

INSERT INTO ods_orders
SELECT order_id, user_id, shop_id, product_id, buy_fee, create_time, update_time, state,
       DATE_FORMAT(create_time, 'yyyyMMdd') AS ds
FROM mysql_orders
WHERE DATE_FORMAT(create_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}';
