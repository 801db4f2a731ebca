-- DWS: per rider and day, over the hourly DWD.
CREATE TABLE IF NOT EXISTS dws_rider_day (
  ds STRING NOT NULL,
  rider_id INT NOT NULL,
  trips BIGINT NOT NULL,
  cities BIGINT NOT NULL,
  max_fare DECIMAL(10, 2),
  fare_sum DECIMAL(20, 2),
  PRIMARY KEY (rider_id, ds) NOT ENFORCED
) PARTITIONED BY (ds) WITH ('bucket' = '1', 'changelog-producer' = 'lookup');

INSERT INTO dws_rider_day
SELECT SUBSTRING(dh, 1, 8), rider_id, COUNT(*), COUNT(DISTINCT city_id), MAX(fare), SUM(fare)
FROM dwd_trips
WHERE SUBSTRING(dh, 1, 8) BETWEEN '${start_date}' AND '${end_date}'
GROUP BY SUBSTRING(dh, 1, 8), rider_id;
