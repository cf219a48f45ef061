-- 007_load_speed.sql: message ids are identifiers, compared byte by byte. Under a
-- linguistic collation (the database default, C.UTF-8 or en_US.UTF-8) every comparison in
-- the index of seen ids goes through strcoll; under "C" it is memcmp, and equality is the
-- same either way (both are deterministic). Nothing reads this table but the loader.
ALTER TABLE statpipe.message_seen
    ALTER COLUMN sender TYPE text COLLATE "C",
    ALTER COLUMN message_id TYPE text COLLATE "C";
