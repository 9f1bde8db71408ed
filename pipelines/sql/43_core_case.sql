-- purpose: ASB cases, actions on them and risk assessments.
-- inputs:  stg_cases, stg_actions, stg_risk_assessments, cfg_action (from configuration)
-- output:  core_case, core_action, core_risk_assessment
-- grain:   core_case: one row per agency + case_ref (latest version), including cases only
--          referred to by incidents or actions; core_action: one row per action;
--          core_risk_assessment: one row per agency + assessment_ref (latest version).
CREATE OR REPLACE TABLE core_case AS
WITH latest AS (
    SELECT * FROM stg_cases
    QUALIFY row_number() OVER (PARTITION BY agency, case_ref ORDER BY file_id DESC, row_number DESC) = 1
),
referred AS (
    SELECT agency, case_ref FROM core_incident WHERE case_ref IS NOT NULL
    UNION
    SELECT agency, case_ref FROM stg_actions WHERE case_ref IS NOT NULL
)
SELECT
    coalesce(l.agency, r.agency) || ':' || coalesce(l.case_ref, r.case_ref) AS case_id,
    coalesce(l.agency, r.agency)        AS agency,
    coalesce(l.case_ref, r.case_ref)    AS case_ref,
    l.opened_at,
    l.closed_at,
    l.closure_reason,
    l.satisfaction,
    l.first_contact_at,
    l.risk_score,
    l.risk_band,
    l.case_ref IS NOT NULL              AS case_record_held,
    l.file_id,
    l.row_number
FROM latest l
FULL OUTER JOIN referred r ON r.agency = l.agency AND r.case_ref = l.case_ref
ORDER BY case_id;

CREATE OR REPLACE TABLE core_action AS
SELECT
    a.agency || ':' || a.file_id || ':' || a.row_number           AS action_id,
    a.agency,
    a.action,
    c.rank                                                         AS escalation_rank,
    c.grp                                                          AS action_group,
    a.action_date,
    CASE WHEN a.source_ref IS NOT NULL THEN a.agency || ':' || a.source_ref END AS incident_id,
    CASE WHEN a.case_ref IS NOT NULL THEN a.agency || ':' || a.case_ref END     AS case_id,
    CASE WHEN a.person_ref IS NOT NULL THEN a.agency || ':' || a.person_ref END AS person_record_id,
    a.outcome,
    a.source_name,
    a.file_id,
    a.row_number
FROM stg_actions a
LEFT JOIN cfg_action c ON c.name = a.action
ORDER BY a.action_date, action_id;

CREATE OR REPLACE TABLE core_risk_assessment AS
SELECT
    agency || ':' || assessment_ref                                AS assessment_id,
    agency,
    assessment_ref,
    assessed_at,
    CASE WHEN case_ref IS NOT NULL THEN agency || ':' || case_ref END       AS case_id,
    CASE WHEN source_ref IS NOT NULL THEN agency || ':' || source_ref END   AS incident_id,
    CASE WHEN person_ref IS NOT NULL THEN agency || ':' || person_ref END   AS person_record_id,
    score                                                          AS recorded_score,
    band                                                           AS recorded_band,
    override_band,
    override_reason,
    review_due,
    answers,
    source_name,
    file_id,
    row_number
FROM stg_risk_assessments
QUALIFY row_number() OVER (PARTITION BY agency, assessment_ref ORDER BY file_id DESC, row_number DESC) = 1
ORDER BY assessed_at, assessment_id;
