-- purpose: ASB cases (housing and council), from the cases template.
-- inputs:  cases files, validated by pipelines/ingest.py
-- output:  stg_cases
-- grain:   one row per distinct version of a case (agency + case_ref); core_case keeps
--          the latest version.
CREATE TABLE IF NOT EXISTS stg_cases (
    file_id          INTEGER NOT NULL,
    row_number       BIGINT NOT NULL,
    source_name      VARCHAR NOT NULL,
    case_ref         VARCHAR NOT NULL,
    agency           VARCHAR NOT NULL,
    opened_at        DATE NOT NULL,
    closed_at        DATE,
    closure_reason   VARCHAR,
    satisfaction     INTEGER,
    first_contact_at DATE,
    risk_score       DOUBLE,
    risk_band        VARCHAR,
    extra            JSON,
    row_hash         VARCHAR NOT NULL
);
