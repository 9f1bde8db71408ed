-- purpose: actions (tools and powers, support) from the actions template.
-- inputs:  actions files, validated by pipelines/ingest.py; action names canonicalised
--          against the configured list (`actions:` in the configuration)
-- output:  stg_actions
-- grain:   one row per action (identical rows are loaded once).
CREATE TABLE IF NOT EXISTS stg_actions (
    file_id     INTEGER NOT NULL,
    row_number  BIGINT NOT NULL,
    source_name VARCHAR NOT NULL,
    source_ref  VARCHAR,
    case_ref    VARCHAR,
    agency      VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    action_date DATE NOT NULL,
    person_ref  VARCHAR,
    outcome     VARCHAR,
    extra       JSON,
    row_hash    VARCHAR NOT NULL
);
