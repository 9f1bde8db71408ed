-- purpose: people involved in incidents, from the people template.
-- inputs:  people files, validated and recoded by pipelines/ingest.py
-- output:  stg_people
-- grain:   one row per person per incident per role (identical rows are loaded once).
CREATE TABLE IF NOT EXISTS stg_people (
    file_id       INTEGER NOT NULL,
    row_number    BIGINT NOT NULL,
    source_name   VARCHAR NOT NULL,
    source_ref    VARCHAR NOT NULL,
    agency        VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,
    person_ref    VARCHAR,
    first_name    VARCHAR,
    last_name     VARCHAR,
    date_of_birth DATE,
    address       VARCHAR,
    postcode      VARCHAR,
    uprn          VARCHAR,
    vulnerable    BOOLEAN,
    sex           VARCHAR,
    ethnicity     VARCHAR,
    disability    VARCHAR,
    extra         JSON,
    row_hash      VARCHAR NOT NULL
);
