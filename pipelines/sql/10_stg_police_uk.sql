-- purpose: police.uk street-level rows, renamed and cast (no other change).
-- inputs:  police.uk CSV files, validated by pipelines/ingest.py
-- output:  stg_police_uk
-- grain:   one row per row loaded from a police.uk file. A force-month may be held from
--          several files (revisions); core_incident keeps the latest file's rows.
CREATE TABLE IF NOT EXISTS stg_police_uk (
    file_id               INTEGER NOT NULL,
    row_number            BIGINT NOT NULL,
    source_name           VARCHAR NOT NULL,
    crime_id              VARCHAR,
    month                 DATE NOT NULL,
    reported_by           VARCHAR,
    falls_within          VARCHAR NOT NULL,
    longitude             DOUBLE,
    latitude              DOUBLE,
    location              VARCHAR,
    lsoa_code             VARCHAR,
    lsoa_name             VARCHAR,
    crime_type            VARCHAR NOT NULL,
    last_outcome_category VARCHAR,
    context               VARCHAR,
    extra                 JSON
);
