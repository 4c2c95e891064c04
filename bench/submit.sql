-- bench/submit.sql: pgbench's transaction for the limit of posts: the same
-- vawg.submit() the public pool calls, as vawg_public, with a row of the
-- same size (bench.py passes the real plain JSON, an envelope of the real
-- length, the key id and the version with -D).  A fresh 16-byte idem key
-- and a reference of the service's alphabet per call.
\set r random(0, 4294967295)
SELECT vawg.submit(:version, uuid_send(gen_random_uuid()), translate(upper(substr(lpad(to_hex(:r::bigint), 8, '0'), 1, 4) || '-' || substr(lpad(to_hex(:r::bigint), 8, '0'), 5, 4)), '01', 'YZ'), :plain, :sealed, :key_id);
