-- purpose: who was involved in each incident, as resolved people: the victim, offender and
--          location (VOL) spine that case reviews, profiles and the network view read.
-- inputs:  core_person_role, core_person_link (record linkage), core_incident,
--          core_incident_group (cross-agency grouping)
-- output:  core_person_incident
-- grain:   one row per resolved person per incident report held per role. Several records of
--          one person on one report (e.g. two tenant references) are one row. People rows about
--          reports the warehouse does not hold are left out (they cannot be dated).
CREATE OR REPLACE TABLE core_person_incident AS
SELECT
    coalesce(l.person_id, r.person_record_id)                          AS person_id,
    r.incident_id,
    coalesce(any_value(g.incident_group_id), r.incident_id)            AS incident_group_id,
    r.role,
    list(DISTINCT r.person_record_id ORDER BY r.person_record_id)      AS person_record_ids,
    bool_or(coalesce(r.vulnerable, FALSE))                             AS vulnerable
FROM core_person_role r
JOIN core_incident i ON i.incident_id = r.incident_id
LEFT JOIN core_person_link l ON l.person_record_id = r.person_record_id
LEFT JOIN core_incident_group g ON g.incident_id = r.incident_id
GROUP BY coalesce(l.person_id, r.person_record_id), r.incident_id, r.role
ORDER BY person_id, r.incident_id, r.role;
