-- purpose: people: person records resolved into real people, and the links that say how.
--          This step links records only where an agency's own reference is the same; the
--          record-linkage step (probabilistic matching across agencies) replaces it.
-- inputs:  core_person_record
-- output:  core_person_link, core_person
-- grain:   core_person_link: one row per person record (its person_id and why);
--          core_person: one row per resolved person.
CREATE OR REPLACE TABLE core_person_link AS
SELECT
    person_record_id,
    person_record_id                 AS person_id,
    'agency reference'               AS link_method,
    CAST(NULL AS DOUBLE)             AS match_probability,
    CAST(NULL AS DOUBLE)             AS match_weight,
    CAST(NULL AS VARCHAR)            AS agreeing_fields
FROM core_person_record
ORDER BY person_record_id;

CREATE OR REPLACE TABLE core_person AS
SELECT
    l.person_id,
    count(*)                                                    AS records,
    list(r.person_record_id ORDER BY r.person_record_id)        AS person_record_ids,
    list(DISTINCT r.agency ORDER BY r.agency)                   AS agencies,
    bool_or(r.vulnerable)                                       AS vulnerable,
    sum(r.incidents)                                            AS incidents
FROM core_person_link l
JOIN core_person_record r USING (person_record_id)
GROUP BY l.person_id
ORDER BY l.person_id;
