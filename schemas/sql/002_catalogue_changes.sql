-- 002_catalogue_changes.sql: sender-specific source mappings, and a notification whenever
-- the catalogue changes, so that running daemons reload it without a restart.

ALTER TABLE statpipe.indicator_alias ADD COLUMN sender text NOT NULL DEFAULT '';
ALTER TABLE statpipe.indicator_alias DROP CONSTRAINT indicator_alias_pkey;
ALTER TABLE statpipe.indicator_alias ADD PRIMARY KEY (sender, alias);
COMMENT ON COLUMN statpipe.indicator_alias.sender IS 'The sender whose messages use this name (its own code, say); empty for a name every sender may use.';

CREATE FUNCTION statpipe.catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('statpipe_catalogue', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.catalogue_changed() IS 'Tells listening statpipe daemons (channel statpipe_catalogue) that the catalogue changed, so they reload it between batches.';

CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.indicator
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.indicator_alias
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.unit
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.unit_alias
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.region
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
