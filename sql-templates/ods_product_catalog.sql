-- ODS: raw copy of MySQL `product_catalog`. A dimension without event time, so it is the one
-- unpartitioned layer: its backfill replaces the whole table.
CREATE TEMPORARY TABLE mysql_product_catalog (
  product_id BIGINT NOT NULL,
  catalog_name STRING,
  PRIMARY KEY (product_id) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'table-name' = 'product_catalog'
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
SELECT product_id, catalog_name FROM mysql_product_catalog;
