-- DWS: per city and hour, non-summable aggregates with the default merge engine. The key is not
-- the first column.
CREATE TABLE IF NOT EXISTS dws_city_hour (
  dh STRING NOT NULL,
  city_name STRING NOT NULL,
  trips BIGINT NOT NULL,
  completed_fare DECIMAL(20, 2),
  fare_sum DECIMAL(20, 2),
  riders BIGINT NOT NULL,
  max_fare DECIMAL(10, 2),
  avg_fare DECIMAL(14, 4),
  PRIMARY KEY (city_name, dh) NOT ENFORCED
) PARTITIONED BY (dh) WITH ('bucket' = '1', 'changelog-producer' = 'lookup');

INSERT INTO dws_city_hour
SELECT dh, city_name, COUNT(*), SUM(CASE WHEN completed THEN fare ELSE 0 END), SUM(fare),
       COUNT(DISTINCT rider_id), MAX(fare), CAST(AVG(fare) AS DECIMAL(14, 4))
FROM dwd_trips
WHERE dh BETWEEN '${start_date}' AND '${end_date}'
GROUP BY dh, city_name;
