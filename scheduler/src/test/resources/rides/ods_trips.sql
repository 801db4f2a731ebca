-- ODS: MySQL `trips` by the hour a trip started, written with Paimon's default options.
CREATE TEMPORARY TABLE mysql_trips (
  trip_id BIGINT NOT NULL,
  rider_id INT,
  city_id INT,
  fare DECIMAL(10, 2),
  status INT,
  start_time TIMESTAMP(3) NOT NULL,
  update_time TIMESTAMP(3),
  PRIMARY KEY (trip_id) NOT ENFORCED,
  WATERMARK FOR start_time AS start_time - INTERVAL '5' SECOND
) WITH ('connector' = 'mysql-cdc', 'table-name' = 'trips');

CREATE TABLE IF NOT EXISTS ods_trips (
  trip_id BIGINT NOT NULL,
  rider_id INT,
  city_id INT,
  fare DECIMAL(10, 2),
  status INT,
  start_time TIMESTAMP(3) NOT NULL,
  update_time TIMESTAMP(3),
  dh STRING NOT NULL,
  PRIMARY KEY (trip_id, dh) NOT ENFORCED,
  WATERMARK FOR start_time AS start_time - INTERVAL '5' SECOND
) PARTITIONED BY (dh) WITH ('bucket' = '2', 'changelog-producer' = 'input');

INSERT INTO ods_trips
SELECT trip_id, rider_id, city_id, fare, status, start_time, update_time, DATE_FORMAT(start_time, 'yyyyMMddHH')
FROM mysql_trips
WHERE DATE_FORMAT(start_time, 'yyyyMMddHH') BETWEEN '${start_date}' AND '${end_date}';
