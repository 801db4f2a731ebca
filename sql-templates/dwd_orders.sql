-- DWD: one wide row per order, partitioned by the order's day, merged from two inputs.
-- A sink takes one event-time column: event_time; the inputs' own time columns are cast to plain
-- timestamps. Each input owns a sequence group: a DELETE of an order removes the row, a DELETE of a
-- payment clears only the payment columns. event_time is written by both inputs, so it is
-- never null and carries the watermark to the DWS jobs. It is its own sequence field, so it keeps
-- the later of the two: in no group, it would keep whichever input wrote last, and a stream and a
-- batch run of the same rows could disagree.
CREATE TABLE IF NOT EXISTS dwd_orders (
  order_id BIGINT NOT NULL,
  ds STRING NOT NULL,
  order_user_id STRING,
  order_shop_id BIGINT,
  order_product_id BIGINT,
  order_product_catalog_name STRING,
  order_fee DECIMAL(20, 2),
  order_create_time TIMESTAMP(3),
  order_update_time TIMESTAMP(3),
  order_state INT,
  pay_id BIGINT,
  pay_platform INT COMMENT 'platform 0: phone, 1: pc',
  pay_create_time TIMESTAMP(3),
  event_time TIMESTAMP(3),
  PRIMARY KEY (order_id, ds) NOT ENFORCED,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) PARTITIONED BY (ds) WITH (
  'bucket' = '2',
  'merge-engine' = 'partial-update',
  'fields.order_update_time.sequence-group' = 'order_user_id,order_shop_id,order_product_id,order_product_catalog_name,order_fee,order_create_time,order_state',
  'fields.pay_create_time.sequence-group' = 'pay_id,pay_platform',
  'fields.event_time.sequence-group' = 'event_time',
  'partial-update.remove-record-on-sequence-group' = 'order_update_time',
  'changelog-producer' = 'lookup'
);

CREATE TEMPORARY VIEW orders_in AS
SELECT *, PROCTIME() AS proc_time
FROM ods_orders
WHERE ds BETWEEN '${start_date}' AND '${end_date}';

-- ods_orders carries a watermark for its stream readers, and Flink plans a lookup only on a table
-- without one: this is the same Paimon table (its path comes from the catalog) minus the watermark.
CREATE TEMPORARY TABLE ods_orders_lookup WITH ('connector' = 'paimon') LIKE ods_orders (EXCLUDING WATERMARKS);

-- A payment is never earlier than its order, so payments of the range's orders start at start_date.
CREATE TEMPORARY VIEW payments_in AS
SELECT *, PROCTIME() AS proc_time
FROM ods_orders_pay
WHERE ds >= '${start_date}';

INSERT INTO dwd_orders
  (order_id, ds, order_user_id, order_shop_id, order_product_id, order_product_catalog_name,
   order_fee, order_create_time, order_update_time, order_state, event_time)
SELECT o.order_id, o.ds, o.user_id, o.shop_id, o.product_id, dim.catalog_name,
       o.buy_fee, CAST(o.create_time AS TIMESTAMP(3)), o.update_time, o.state, o.create_time
FROM orders_in AS o
LEFT JOIN ods_product_catalog FOR SYSTEM_TIME AS OF o.proc_time AS dim
  ON o.product_id = dim.product_id;

-- The payment finds its order's day (the partition) by a lookup; a payment that arrives before
-- its order is committed to ODS is retried instead of dropped.
INSERT INTO dwd_orders (order_id, ds, pay_id, pay_platform, pay_create_time, event_time)
SELECT /*+ LOOKUP('table'='o', 'retry-predicate'='lookup_miss', 'retry-strategy'='fixed_delay', 'fixed-delay'='1s', 'max-attempts'='120') */
       p.order_id, o.ds, p.pay_id, p.pay_platform, CAST(p.create_time AS TIMESTAMP(3)), p.create_time
FROM payments_in AS p
JOIN ods_orders_lookup FOR SYSTEM_TIME AS OF p.proc_time AS o
  ON p.order_id = o.order_id
WHERE o.ds BETWEEN '${start_date}' AND '${end_date}';
