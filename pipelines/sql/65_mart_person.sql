-- purpose: what the person-level pages (case reviews, CMARAC, VOL profiles, network) read.
-- inputs:  core_person(_link, _record, _incident, _action), core_incident, core_place_incident,
--          core_risk_scored, core_case, core_area_csp, core_area_ward
-- output:  mart_person_incident, mart_place_incident, mart_person_action, mart_person_case,
--          mart_person
-- grain:   mart_person_incident: person x incident report x role; mart_place_incident: incident
--          report with a place (every source, with or without people); mart_person_action: action
--          aimed at a person; mart_person_case: person x case record held; mart_person: person.
-- Person-level: only pages behind the permission check read these. Each column is documented
-- in docs/warehouse.md.
CREATE OR REPLACE TABLE mart_person_incident AS
SELECT
    p.person_id,
    p.incident_id,
    p.incident_group_id,
    p.role,
    p.role IN ('victim', 'complainant')                                     AS as_victim,
    p.role IN ('suspect', 'perpetrator')                                    AS as_perpetrator,
    p.person_record_ids,
    p.vulnerable,
    i.agency,
    i.source_ref,
    CASE WHEN i.case_ref IS NOT NULL THEN i.agency || ':' || i.case_ref END AS case_id,
    i.reported_at,
    i.occurred_at,
    i.occurred_to,
    CAST(coalesce(i.occurred_to, i.occurred_at) AS DATE)                   AS behaviour_on,
    date_diff('day', CAST(coalesce(i.occurred_to, i.occurred_at) AS DATE),
              CAST(i.reported_at AS DATE))                                  AS days_to_report,
    i.month,
    i.category,
    i.subtype,
    coalesce(i.hate_related, FALSE)                                         AS hate_related,
    i.location_key,
    i.location_text,
    pl.place_id,
    pl.place_kind,
    pl.place_label,
    i.easting,
    i.northing,
    i.longitude,
    i.latitude,
    i.lsoa_code,
    i.ward_code,
    i.csp_code,
    c.csp_name
FROM core_person_incident p
JOIN core_incident i USING (incident_id)
LEFT JOIN core_place_incident pl USING (incident_id)
LEFT JOIN core_area_csp c ON c.csp_code = i.csp_code
ORDER BY p.person_id, i.reported_at, p.incident_id, p.role;

CREATE OR REPLACE TABLE mart_place_incident AS
SELECT
    pl.place_id,
    pl.place_kind,
    pl.place_label,
    i.incident_id,
    i.source_name,
    i.agency,
    i.source_ref,
    i.is_asb,
    i.crime_type,
    i.category,
    i.subtype,
    i.month,
    i.reported_at,
    i.occurred_at,
    i.occurred_to,
    i.time_precision,
    i.hate_related,
    CASE WHEN i.case_ref IS NOT NULL THEN i.agency || ':' || i.case_ref END AS case_id,
    pl.place_easting                                                        AS easting,
    pl.place_northing                                                       AS northing,
    i.ward_code,
    w.ward_name,
    i.csp_code,
    c.csp_name
FROM core_place_incident pl
JOIN core_incident i USING (incident_id)
LEFT JOIN core_area_ward w ON w.ward_code = i.ward_code
LEFT JOIN core_area_csp c ON c.csp_code = i.csp_code
ORDER BY pl.place_id, i.month, i.incident_id;

CREATE OR REPLACE TABLE mart_person_action AS
SELECT
    person_id,
    action_id,
    action,
    action_label,
    escalation_rank,
    action_group,
    action_date,
    agency,
    incident_id,
    case_id,
    outcome,
    evidence,
    person_roles
FROM core_person_action
ORDER BY person_id, action_date, action_id;

CREATE OR REPLACE TABLE mart_person_case AS
WITH involved AS (
    SELECT person_id, case_id, as_victim, as_perpetrator, reported_at
    FROM mart_person_incident WHERE case_id IS NOT NULL
    UNION ALL  -- a person assessed on a case is its victim, even with no report of theirs held
    SELECT person_id, case_id, TRUE, FALSE, CAST(NULL AS TIMESTAMP)
    FROM core_risk_scored WHERE case_id IS NOT NULL
)
SELECT
    v.person_id,
    v.case_id,
    c.agency,
    c.case_ref,
    CASE WHEN bool_or(v.as_victim) AND bool_or(v.as_perpetrator) THEN 'victim and perpetrator'
         WHEN bool_or(v.as_perpetrator) THEN 'perpetrator'
         WHEN bool_or(v.as_victim) THEN 'victim'
         ELSE 'other' END                                                  AS role,
    CAST(min(v.reported_at) FILTER (WHERE v.as_victim) AS DATE)            AS first_report,
    c.opened_at,
    c.first_contact_at,
    c.closed_at,
    c.closure_reason,
    c.satisfaction,
    c.risk_score                                                           AS recorded_risk_score,
    c.risk_band                                                            AS recorded_risk_band
FROM involved v
JOIN core_case c ON c.case_id = v.case_id AND c.case_record_held
GROUP BY ALL
ORDER BY v.person_id, v.case_id;

CREATE OR REPLACE TABLE mart_person AS
WITH records AS (
    SELECT
        l.person_id,
        r.*,
        trim(coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, ''))  AS full_name
    FROM core_person_link l
    JOIN core_person_record r USING (person_record_id)
),
names AS (
    SELECT
        person_id,
        arg_max(full_name, (incidents, person_record_id))                     AS name,
        arg_max(date_of_birth, (date_of_birth IS NOT NULL, incidents))        AS date_of_birth,
        list(DISTINCT full_name ORDER BY full_name)
            FILTER (WHERE full_name <> '')                                    AS names_recorded
    FROM records
    GROUP BY person_id
),
involvement AS (
    SELECT
        person_id,
        count(DISTINCT incident_group_id) FILTER (WHERE as_victim)            AS victim_incidents,
        count(DISTINCT incident_group_id) FILTER (WHERE as_perpetrator)   AS perpetrator_incidents,
        count(DISTINCT incident_group_id) FILTER (WHERE role = 'witness')     AS witness_incidents,
        min(reported_at)                                                       AS first_report,
        max(reported_at)                                                       AS last_report,
        arg_max(csp_code, reported_at)                                         AS csp_code,
        arg_max(csp_name, reported_at)                                         AS csp_name
    FROM mart_person_incident
    GROUP BY person_id
),
risk AS (
    SELECT
        person_id,
        arg_max(band, (assessed_at, assessment_id))                            AS latest_band,
        arg_max(score, (assessed_at, assessment_id))                           AS latest_score,
        max(assessed_at)                                                 AS latest_assessed_at,
        count(*)                                                               AS assessments
    FROM core_risk_scored
    GROUP BY person_id
)
SELECT
    p.person_id,
    coalesce(nullif(n.name, ''), 'name not recorded')                      AS name,
    n.names_recorded,
    n.date_of_birth,
    p.records,
    p.person_record_ids,
    p.agencies,
    p.vulnerable,
    coalesce(v.victim_incidents, 0)                                         AS victim_incidents,
    coalesce(v.perpetrator_incidents, 0)                              AS perpetrator_incidents,
    coalesce(v.witness_incidents, 0)                                        AS witness_incidents,
    coalesce(v.victim_incidents, 0) > 0
        AND coalesce(v.perpetrator_incidents, 0) > 0                      AS victim_and_perpetrator,
    v.first_report,
    v.last_report,
    v.csp_code,
    v.csp_name,
    k.latest_band,
    k.latest_score,
    k.latest_assessed_at,
    coalesce(k.assessments, 0)                                              AS assessments,
    lower(concat_ws(' ', n.name, array_to_string(n.names_recorded, ' '),
                    array_to_string(p.person_record_ids, ' ')))             AS search_text
FROM core_person p
LEFT JOIN names n USING (person_id)
LEFT JOIN involvement v USING (person_id)
LEFT JOIN risk k USING (person_id)
ORDER BY p.person_id;
