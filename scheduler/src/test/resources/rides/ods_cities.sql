-- ODS: MySQL `cities`, a dimension without partitions.
CREATE TEMPORARY TABLE mysql_cities (
  city_id INT NOT NULL,
  city_name STRING,
  PRIMARY KEY (city_id) NOT ENFORCED
) WITH ('connector' = 'mysql-cdc', 'table-name' = 'cities');

CREATE TABLE IF NOT EXISTS ods_cities (
  city_id INT NOT NULL,
  city_name STRING,
  PRIMARY KEY (city_id) NOT ENFORCED
) WITH ('bucket' = '1', 'changelog-producer' = 'input');

INSERT INTO ods_cities SELECT city_id, city_name FROM mysql_cities;
