-- purpose: person records (as each agency holds them) and their roles in incidents.
-- inputs:  stg_people (latest version of each incident's people), core_incident
-- output:  core_person_record, core_person_role
-- grain:   core_person_record: one row per agency person reference (agency + person_ref),
--          or per people row where the agency gave no reference; details are the latest
--          seen. core_person_role: one row per person record per incident per role.
--          Linking records that are the same real person across agencies is done later
--          (record linkage), not here.
CREATE OR REPLACE TABLE int_person_row AS
SELECT
    p.*,
    CASE WHEN p.person_ref IS NOT NULL THEN p.agency || ':' || p.person_ref
         ELSE p.agency || ':' || p.source_ref || ':' || p.role || ':' || p.file_id || ':' || p.row_number
    END AS person_record_id,
    p.agency || ':' || p.source_ref AS incident_id
FROM stg_people p;

CREATE OR REPLACE TABLE core_person_record AS
SELECT
    person_record_id,
    any_value(agency)                                            AS agency,
    any_value(person_ref)                                        AS person_ref,
    arg_max(first_name, (file_id, row_number))                   AS first_name,
    arg_max(last_name, (file_id, row_number))                    AS last_name,
    arg_max(date_of_birth, (file_id, row_number))                AS date_of_birth,
    arg_max(address, (file_id, row_number))                      AS address,
    arg_max(upper(postcode), (file_id, row_number))              AS postcode,
    arg_max(uprn, (file_id, row_number))                         AS uprn,
    bool_or(coalesce(vulnerable, FALSE))                         AS vulnerable,
    arg_max(sex, (file_id, row_number))                          AS sex,
    arg_max(ethnicity, (file_id, row_number))                    AS ethnicity,
    arg_max(disability, (file_id, row_number))                   AS disability,
    count(DISTINCT incident_id)                                  AS incidents,
    list(DISTINCT source_name ORDER BY source_name)              AS source_names
FROM int_person_row
GROUP BY person_record_id
ORDER BY person_record_id;

CREATE OR REPLACE TABLE core_person_role AS
SELECT DISTINCT ON (r.incident_id, r.person_record_id, r.role)
    r.incident_id,
    r.person_record_id,
    r.role,
    r.vulnerable,
    r.incident_id IN (SELECT incident_id FROM core_incident) AS incident_held,
    r.file_id,
    r.row_number
FROM int_person_row r
ORDER BY r.incident_id, r.person_record_id, r.role, r.file_id DESC, r.row_number DESC;
