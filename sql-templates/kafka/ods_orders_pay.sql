-- ODS from Kafka: MySQL `orders_pay` as a Canal changelog topic (canal-json).
CREATE TEMPORARY TABLE kafka_orders_pay (
  pay_id BIGINT NOT NULL,
  order_id BIGINT,
  pay_platform INT,
  create_time TIMESTAMP(3) NOT NULL,
  WATERMARK FOR create_time AS create_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'order_dw.orders_pay',
  'format' = 'canal-json'
);

CREATE TABLE IF NOT EXISTS ods_orders_pay (
  pay_id BIGINT NOT NULL,
  order_id BIGINT,
  pay_platform INT COMMENT 'platform 0: phone, 1: pc',
  create_time TIMESTAMP(3) NOT NULL,
  ds STRING NOT NULL,
  PRIMARY KEY (pay_id, ds) NOT ENFORCED,
  WATERMARK FOR create_time AS create_time - INTERVAL '5' SECOND
) PARTITIONED BY (ds) WITH (
  'bucket' = '2',
  'changelog-producer' = 'input'
);

INSERT INTO ods_orders_pay
SELECT pay_id, order_id, pay_platform, create_time, DATE_FORMAT(create_time, 'yyyyMMdd') AS ds
FROM kafka_orders_pay
WHERE DATE_FORMAT(create_time, 'yyyyMMdd') BETWEEN '${start_date}' AND '${end_date}';
