-- purpose: police.uk street-level rows, renamed and cast (no other change).
-- inputs:  raw_police_uk (rows that passed validation in pipelines/ingest.py), raw_file
-- output:  stg_police_uk (a view: police.uk files are large, and a view costs no copy)
-- grain:   one row per valid row loaded from a police.uk file. A force-month may be held
--          from several files (revisions); core_incident keeps the latest file's rows.
CREATE OR REPLACE VIEW stg_police_uk AS
SELECT
    r.file_id,
    r.row_number,
    f.source_name,
    NULLIF(trim(r.crime_id), '')                                          AS crime_id,
    CAST(strptime(trim(r.month) || '-01', '%Y-%m-%d') AS DATE)           AS month,
    NULLIF(trim(r.reported_by), '')                                       AS reported_by,
    trim(r.falls_within)                                                  AS falls_within,
    CAST(NULLIF(trim(r.longitude), '') AS DOUBLE)                         AS longitude,
    CAST(NULLIF(trim(r.latitude), '') AS DOUBLE)                          AS latitude,
    NULLIF(trim(r.location), '')                                          AS location,
    NULLIF(trim(r.lsoa_code), '')                                         AS lsoa_code,
    NULLIF(trim(r.lsoa_name), '')                                         AS lsoa_name,
    trim(r.crime_type)                                                    AS crime_type,
    NULLIF(trim(r.last_outcome_category), '')                             AS last_outcome_category,
    NULLIF(trim(r.context), '')                                           AS context,
    r.extra
FROM raw_police_uk r
JOIN raw_file f USING (file_id)
WHERE NOT r.rejected;
