-- purpose: incident reports from the incidents template (directly or through a mapping).
-- inputs:  incidents files, validated and recoded by pipelines/ingest.py
-- output:  stg_incidents
-- grain:   one row per distinct version of a report (agency + source_ref); core_incident
--          keeps the latest version.
CREATE TABLE IF NOT EXISTS stg_incidents (
    file_id      INTEGER NOT NULL,
    row_number   BIGINT NOT NULL,
    source_name  VARCHAR NOT NULL,
    source_ref   VARCHAR NOT NULL,
    agency       VARCHAR NOT NULL,
    reported_at  TIMESTAMP NOT NULL,
    occurred_at  TIMESTAMP,
    occurred_to  TIMESTAMP,
    category     VARCHAR,
    subtype      VARCHAR,
    latitude     DOUBLE,
    longitude    DOUBLE,
    easting      DOUBLE,
    northing     DOUBLE,
    address      VARCHAR,
    postcode     VARCHAR,
    uprn         VARCHAR,
    case_ref     VARCHAR,
    hate_related BOOLEAN,
    description  VARCHAR,
    extra        JSON,
    row_hash     VARCHAR NOT NULL
);
