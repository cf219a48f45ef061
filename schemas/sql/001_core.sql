-- 001_core.sql: the pipeline's own tables (schema statpipe) and the first public view
-- (schema stats). Migrations are applied once each, in order, by `statpipe migrate`.

CREATE SCHEMA IF NOT EXISTS statpipe;
COMMENT ON SCHEMA statpipe IS 'statpipe''s own tables: catalogue, observation vintages, quarantine, Kafka offsets. Read the views in schema stats instead.';
CREATE SCHEMA stats;
COMMENT ON SCHEMA stats IS 'Documented views of the informatization indicator system for statisticians and BI tools.';

-- ---- the catalogue: the strategy's indicator system ------------------------------------

CREATE TABLE statpipe.unit (
    code        text PRIMARY KEY,
    dimension   text NOT NULL,
    factor      numeric NOT NULL CHECK (factor > 0),
    note        text
);
COMMENT ON TABLE statpipe.unit IS 'Units of measure: a value in this unit times factor is the value in the canonical unit of its dimension (the unit whose factor is 1).';
COMMENT ON COLUMN statpipe.unit.dimension IS 'What the unit measures: money, bandwidth, count, percent, traffic, index.';
COMMENT ON COLUMN statpipe.unit.factor IS 'Exact multiplier into the canonical unit of the dimension.';

CREATE TABLE statpipe.unit_alias (
    alias       text PRIMARY KEY,
    unit        text NOT NULL REFERENCES statpipe.unit (code) ON UPDATE CASCADE
);
COMMENT ON TABLE statpipe.unit_alias IS 'Spellings of units as agencies publish them (亿元, Mbps, 万户, %), each resolving to one unit.';

CREATE TABLE statpipe.indicator (
    code                 text PRIMARY KEY,
    name_zh              text NOT NULL,
    name_en              text NOT NULL,
    dimension            text NOT NULL,
    nature               text NOT NULL CHECK (nature IN ('STOCK', 'FLOW', 'RATIO')),
    time_agg             text NOT NULL CHECK (time_agg IN ('last', 'sum')),
    space_agg            text NOT NULL CHECK (space_agg IN ('sum', 'weighted', 'none')),
    weight               text,
    authoritative_sender text,
    min_value            numeric,
    max_value            numeric,
    note                 text
);
COMMENT ON TABLE statpipe.indicator IS 'The indicator system of the national informatization strategy: what each indicator measures and how it aggregates over time and space.';
COMMENT ON COLUMN statpipe.indicator.nature IS 'STOCK (a level at the end of a period), FLOW (an amount over a period) or RATIO (a rate or share).';
COMMENT ON COLUMN statpipe.indicator.time_agg IS 'How periods combine into longer ones: last value (stocks, ratios) or sum (flows).';
COMMENT ON COLUMN statpipe.indicator.space_agg IS 'How provinces combine: sum, weighted (ratios, by the weight indicator) or none.';
COMMENT ON COLUMN statpipe.indicator.weight IS 'For weighted ratios, the indicator whose values weight the provinces (HOUSEHOLDS or POPULATION).';
COMMENT ON COLUMN statpipe.indicator.min_value IS 'Smallest plausible value in the canonical unit; smaller values are quarantined as out_of_range.';
COMMENT ON COLUMN statpipe.indicator.max_value IS 'Largest plausible value in the canonical unit; larger values are quarantined as out_of_range.';

CREATE TABLE statpipe.indicator_alias (
    alias       text PRIMARY KEY,
    indicator   text NOT NULL REFERENCES statpipe.indicator (code) ON UPDATE CASCADE
);
COMMENT ON TABLE statpipe.indicator_alias IS 'Source mappings: a sender''s own code or the Chinese name as published, resolving to one catalogue indicator.';

CREATE TABLE statpipe.region (
    code              text PRIMARY KEY,
    name_zh           text NOT NULL,
    name_en           text NOT NULL,
    level             int NOT NULL,
    region_group      text,
    in_national_total boolean NOT NULL
);
COMMENT ON TABLE statpipe.region IS 'Reference areas: CN for the national total and the GB/T 2260 provinces, with their regional group (East, Central, West, Northeast).';
COMMENT ON COLUMN statpipe.region.in_national_total IS 'Whether the province is part of the national total that NBS and MIIT publish (Hong Kong, Macao and Taiwan are not).';

CREATE TABLE statpipe.target (
    indicator      text NOT NULL REFERENCES statpipe.indicator (code) ON UPDATE CASCADE,
    plan           text NOT NULL,
    target_year    int NOT NULL,
    comparator     text NOT NULL CHECK (comparator IN ('>=', '<=')),
    target_value   numeric NOT NULL,
    target_unit    text NOT NULL,
    baseline_year  int,
    baseline_value numeric,
    source         text,
    PRIMARY KEY (indicator, plan, target_year)
);
COMMENT ON TABLE statpipe.target IS 'Plan targets: what value an indicator should reach by a year, as the plan states it (value in target_unit, a unit code or alias).';

CREATE TABLE statpipe.catalogue_seed (
    name      text PRIMARY KEY,
    checksum  text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE statpipe.catalogue_seed IS 'Which version of each bundled catalogue file migrate loaded; a file is loaded again only when it changes, so edits made in the database survive re-running migrate.';

-- ---- observations and their vintages ----------------------------------------------------

CREATE TABLE statpipe.series (
    series_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender      text NOT NULL,
    indicator   text NOT NULL REFERENCES statpipe.indicator (code) ON UPDATE CASCADE,
    ref_area    text NOT NULL REFERENCES statpipe.region (code) ON UPDATE CASCADE,
    freq        text NOT NULL CHECK (freq IN ('A', 'S', 'Q', 'M')),
    calc_basis  text NOT NULL CHECK (calc_basis IN ('PER', 'YTD')),
    UNIQUE (sender, indicator, ref_area, freq, calc_basis)
);
COMMENT ON TABLE statpipe.series IS 'One row per series: (sender, indicator, ref_area, freq, calc_basis).';

CREATE TABLE statpipe.observation (
    series_id        bigint NOT NULL REFERENCES statpipe.series (series_id),
    time_period      text NOT NULL,
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    release          timestamptz NOT NULL,
    value            numeric,
    unit             text NOT NULL,
    value_published  text,
    unit_published   text NOT NULL,
    unit_mult        int NOT NULL DEFAULT 0,
    obs_status       text NOT NULL,
    conf_status      text NOT NULL,
    is_deleted       boolean NOT NULL DEFAULT false,
    comment          text,
    message_id       text NOT NULL,
    src_topic        text,
    src_partition    int,
    src_offset       bigint,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (series_id, time_period, release)
);
COMMENT ON TABLE statpipe.observation IS 'Every vintage of every figure: one row per (series, period, release), never updated in place. A vintage is valid from its release until the next one.';
COMMENT ON COLUMN statpipe.observation.value IS 'The value in the canonical unit of the indicator''s dimension, exact; NULL for a missing value.';
COMMENT ON COLUMN statpipe.observation.is_deleted IS 'True for a withdrawal (action delete): from this release on, the period has no value.';

CREATE TABLE statpipe.message_seen (
    sender      text NOT NULL,
    message_id  text NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender, message_id)
);
COMMENT ON TABLE statpipe.message_seen IS 'Message ids already loaded, per sender: a message seen before is a no-op, so replays are idempotent.';

CREATE TABLE statpipe.quarantine (
    quarantine_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at      timestamptz NOT NULL DEFAULT now(),
    reason           text NOT NULL,
    detail           text,
    message_id       text,
    sender           text,
    src_topic        text,
    src_partition    int,
    src_offset       bigint,
    src_file         text,
    src_line         bigint,
    payload          bytea NOT NULL,
    replayed_at      timestamptz
);
COMMENT ON TABLE statpipe.quarantine IS 'Messages that could not be loaded, with their raw bytes, where they came from and one contract reason code. Fix the cause and replay them.';
COMMENT ON COLUMN statpipe.quarantine.reason IS 'A reason code of the message contract (malformed_json, unknown_indicator, ...).';
COMMENT ON COLUMN statpipe.quarantine.detail IS 'What is wrong and what to fix.';
COMMENT ON COLUMN statpipe.quarantine.replayed_at IS 'When a replay loaded the message; NULL while it waits in quarantine.';
-- The same bytes rejected for the same reason wait in quarantine once, however often they
-- are re-sent or a file is re-loaded.
CREATE UNIQUE INDEX quarantine_waiting_once ON statpipe.quarantine (md5(payload), reason)
    WHERE replayed_at IS NULL;

CREATE TABLE statpipe.kafka_offset (
    consumer_group  text NOT NULL,
    topic           text NOT NULL,
    partition       int NOT NULL,
    next_offset     bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);
COMMENT ON TABLE statpipe.kafka_offset IS 'The next Kafka offset to read per consumer group and partition, written in the same transaction as the rows it produced: the source of truth for exactly-once loading.';

-- ---- public views -----------------------------------------------------------------------

CREATE VIEW stats.observation_latest AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       o.time_period, o.period_start, o.period_end,
       o.value, o.unit, o.obs_status, o.conf_status, o.release,
       o.value_published, o.unit_published, o.unit_mult
FROM (SELECT DISTINCT ON (series_id, time_period) *
        FROM statpipe.observation
       WHERE release <= now()
       ORDER BY series_id, time_period, release DESC) o
JOIN statpipe.series s USING (series_id)
WHERE NOT o.is_deleted;
COMMENT ON VIEW stats.observation_latest IS 'The latest published vintage of every (series, period): one row each, values exact in the canonical unit. Releases still in the future (embargo) and withdrawn figures are left out.';
COMMENT ON COLUMN stats.observation_latest.value IS 'Value in the canonical unit (CNY, bit/s, count, percent, GB), exact; NULL when the figure is published as missing.';
COMMENT ON COLUMN stats.observation_latest.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.observation_latest.release IS 'When this vintage was published.';
COMMENT ON COLUMN stats.observation_latest.value_published IS 'The value exactly as the agency published it, before unit and unit_mult.';
COMMENT ON COLUMN stats.observation_latest.unit_published IS 'The unit exactly as the agency published it.';
