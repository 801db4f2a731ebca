-- DWD: each trip with its city's name, looked up as the trip passes.
CREATE TABLE IF NOT EXISTS dwd_trips (
  dh STRING NOT NULL,
  trip_id BIGINT NOT NULL,
  rider_id INT,
  city_id INT,
  city_name STRING,
  fare DECIMAL(10, 2),
  completed BOOLEAN,
  start_time TIMESTAMP(3),
  PRIMARY KEY (trip_id, dh) NOT ENFORCED,
  WATERMARK FOR start_time AS start_time - INTERVAL '5' SECOND
) PARTITIONED BY (dh) WITH ('bucket' = '2', 'changelog-producer' = 'lookup');

CREATE TEMPORARY VIEW trips_in AS
SELECT *, PROCTIME() AS pt FROM ods_trips WHERE dh BETWEEN '${start_date}' AND '${end_date}';

INSERT INTO dwd_trips
SELECT t.dh, t.trip_id, t.rider_id, t.city_id, COALESCE(c.city_name, 'unknown'), t.fare, t.status = 1, t.start_time
FROM trips_in AS t
LEFT JOIN ods_cities FOR SYSTEM_TIME AS OF t.pt AS c ON t.city_id = c.city_id;
