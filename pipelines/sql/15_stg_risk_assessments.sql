-- purpose: Risk Assessment Matrix assessments, from the risk-assessments template.
-- inputs:  risk-assessments files, validated by pipelines/ingest.py
-- output:  stg_risk_assessments
-- grain:   one row per distinct version of an assessment (agency + assessment_ref).
CREATE TABLE IF NOT EXISTS stg_risk_assessments (
    file_id         INTEGER NOT NULL,
    row_number      BIGINT NOT NULL,
    source_name     VARCHAR NOT NULL,
    assessment_ref  VARCHAR NOT NULL,
    agency          VARCHAR NOT NULL,
    assessed_at     DATE NOT NULL,
    case_ref        VARCHAR,
    source_ref      VARCHAR,
    person_ref      VARCHAR,
    score           DOUBLE,
    band            VARCHAR,
    override_band   VARCHAR,
    override_reason VARCHAR,
    review_due      DATE,
    answers         JSON,             -- {question key: answer as given}
    extra           JSON,
    row_hash        VARCHAR NOT NULL
);
