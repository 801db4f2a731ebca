-- The business tables of the example e-commerce warehouse (seed 000).
CREATE TABLE IF NOT EXISTS orders (
  order_id bigint not null primary key,
  user_id varchar(50) not null,
  shop_id bigint not null,
  product_id bigint not null,
  buy_fee numeric(20,2) not null,
  create_time timestamp not null,
  update_time timestamp not null default now(),
  state int not null
);
CREATE TABLE IF NOT EXISTS orders_pay (
  pay_id bigint not null primary key,
  order_id bigint not null,
  pay_platform int not null,
  create_time timestamp not null
);
CREATE TABLE IF NOT EXISTS product_catalog (
  product_id bigint not null primary key,
  catalog_name varchar(50) not null
);
