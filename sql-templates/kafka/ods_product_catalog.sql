-- ODS from Kafka: MySQL `product_catalog` as a Debezium changelog topic. Unpartitioned: its
-- backfill re-reads the whole topic and replaces the table.
CREATE TEMPORARY TABLE kafka_product_catalog (
  product_id BIGINT NOT NULL,
  catalog_name STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'order_dw.product_catalog',
  'format' = 'debezium-json'
);

CREATE TABLE IF NOT EXISTS ods_product_catalog (
  product_id BIGINT NOT NULL,
  catalog_name STRING,
  PRIMARY KEY (product_id) NOT ENFORCED
) WITH (
  'bucket' = '1',
  'changelog-producer' = 'input'
);

INSERT INTO ods_product_catalog
SELECT product_id, catalog_name FROM kafka_product_catalog;
