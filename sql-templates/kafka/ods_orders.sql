-- ODS from Kafka: MySQL `orders` as a Debezium changelog topic (seed 003: MySQL binlog -> Debezium
-- -> Kafka -> Flink). The table names only the topic and the format: Weir adds the brokers, a
-- consumer group and, for a backfill, the time bounds from the conf's `source` section.
-- Kafka tables of a changelog format take no PRIMARY KEY; the lake table below has one.
CREATE TEMPORARY TABLE kafka_orders (
  order_id BIGINT NOT NULL,
  user_id STRING,
  shop_id BIGINT,
  product_id BIGINT,
  buy_fee DECIMAL(20, 2),
  create_time TIMESTAMP(3) NOT NULL,
  update_time TIMESTAMP(3),
  state INT,
  WATERMARK FOR create_time AS create_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'order_dw.orders',
  'format' = 'debezium-json'
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
FROM kafka_orders
WHERE DATE_FORMAT(create_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}';
