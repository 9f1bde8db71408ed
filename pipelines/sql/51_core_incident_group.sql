-- purpose: incidents that are one real incident reported to several agencies, grouped so
--          they count once (each report is kept). This step groups nothing; the
--          cross-agency de-duplication step (same person, within the configured hours, same
--          place) replaces it.
-- inputs:  core_incident
-- output:  core_incident_group
-- grain:   one row per incident report: its group (the group id is the id of one report).
CREATE OR REPLACE TABLE core_incident_group AS
SELECT
    incident_id,
    incident_id            AS incident_group_id,
    'single report'        AS group_reason
FROM core_incident
ORDER BY incident_id;
