-- The server objects hologres-connector-flink (holo-client) asks of a Hologres instance, emulated on
-- PostgreSQL so the real connector runs unchanged against it. Statements are separated by lines
-- holding only "--;", because the function bodies contain semicolons.
CREATE SCHEMA IF NOT EXISTS hologres
--;
CREATE OR REPLACE FUNCTION public.hg_version() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'Hologres 2.1.1 (emulated on PostgreSQL ' || current_setting('server_version') || ')'
$$
--;
CREATE OR REPLACE FUNCTION hologres.hg_internal_check_table_meta(text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'Check meta succeeded'::text
$$
--;
CREATE OR REPLACE FUNCTION hologres.hg_internal_refresh_meta(integer) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'Refresh meta succeeded'::text
$$
--;
-- Every primary-keyed table, with the properties the client reads: its key is its distribution key.
CREATE OR REPLACE VIEW hologres.hg_table_properties AS
WITH keyed AS (
  SELECT n.nspname::text AS table_namespace, c.relname::text AS table_name, c.oid AS table_id,
         string_agg(a.attname::text, ',' ORDER BY array_position(i.indkey::int2[], a.attnum)) AS key_columns
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey::int2[])
  WHERE i.indisprimary
  GROUP BY n.nspname, c.relname, c.oid
)
SELECT k.table_namespace, k.table_name, p.property_key, p.property_value
FROM keyed k
CROSS JOIN LATERAL (VALUES
  ('table_id', k.table_id::text),
  ('schema_version', '1'),
  ('distribution_key', k.key_columns),
  ('orientation', 'row'),
  ('table_group', 'weir_tg_default')) AS p(property_key, property_value)
--;
CREATE OR REPLACE VIEW hologres.hg_table_group_properties AS
SELECT 'weir_tg_default'::text AS tablegroup_name, 'shard_count'::text AS property_key, '1'::text AS property_value
