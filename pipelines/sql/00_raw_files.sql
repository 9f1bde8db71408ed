-- purpose: the raw layer: every file received, every row exactly as received, every reject.
-- inputs:  written by pipelines/ingest.py during `asb ingest`
-- output:  raw_file, raw_export_row, raw_police_uk, raw_reject
-- grain:   raw_file: one row per file ingested (including identical files skipped);
--          raw_export_row: one row per data row read from a template or mapped export
--          (values as a JSON array aligned with raw_file.headers); raw_police_uk: one row per
--          data row read from a police.uk file, columns as received (police.uk files are
--          large, so they are kept column by column and stg_police_uk is a view over them);
--          raw_reject: one row per rejected row.
CREATE SEQUENCE IF NOT EXISTS raw_file_seq START 1;

CREATE TABLE IF NOT EXISTS raw_file (
    file_id        INTEGER PRIMARY KEY,
    source_name    VARCHAR NOT NULL,   -- the --source or mapping name
    template       VARCHAR NOT NULL,   -- police-uk, incidents, people, actions, cases, risk-assessments
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    size_bytes     BIGINT,
    encoding       VARCHAR,
    delimiter      VARCHAR,
    headers        JSON,               -- column names as in the file
    mapping        JSON,               -- the mapping used
    loaded_at      TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL,   -- loaded | skipped-identical
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_export_row (
    file_id    INTEGER NOT NULL,
    row_number BIGINT NOT NULL,        -- spreadsheet row: header is row 1
    record     JSON NOT NULL           -- values in file column order (see raw_file.headers)
);

CREATE TABLE IF NOT EXISTS raw_police_uk (
    file_id               INTEGER NOT NULL,
    row_number            BIGINT NOT NULL,
    crime_id              VARCHAR,     -- every value exactly as in the file
    month                 VARCHAR,
    reported_by           VARCHAR,
    falls_within          VARCHAR,
    longitude             VARCHAR,
    latitude              VARCHAR,
    location              VARCHAR,
    lsoa_code             VARCHAR,
    lsoa_name             VARCHAR,
    crime_type            VARCHAR,
    last_outcome_category VARCHAR,
    context               VARCHAR,
    extra                 JSON,        -- columns police.uk does not publish, if any
    rejected              BOOLEAN NOT NULL,
    reject_column         VARCHAR,
    reject_kind           VARCHAR,
    reject_value          VARCHAR
);

CREATE TABLE IF NOT EXISTS raw_reject (
    file_id     INTEGER NOT NULL,
    row_number  BIGINT,
    column_name VARCHAR,
    reason      VARCHAR NOT NULL,      -- what is wrong, without the value (for grouping)
    value       VARCHAR,               -- the offending value, when there is one
    record      JSON                   -- the raw row as {header: value}
);
