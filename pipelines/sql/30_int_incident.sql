-- purpose: every incident held, from every source, in one shape (before geography).
-- inputs:  stg_police_uk (latest file per force-month), stg_incidents (latest version of
--          each agency + source_ref), int_incident_time (was the date written without a
--          time?), raw_file (the mapping's dates.time_precision)
-- output:  int_incident
-- grain:   one row per incident report held. Identical police.uk rows are separate
--          incidents and are all kept.
--
-- time_precision is decided here, once: police.uk rows are 'month'. A template row is 'date'
-- (the day is known, the time is not) when its date was written without a time
-- ('12/03/2022'), or when its mapping declares dates.time_precision: date, or (the default,
-- dates.time_precision: auto) when it is at exactly 00:00 with no end time, since many
-- systems store a date without a time as midnight; dates.time_precision: datetime says a
-- 00:00 time is real. Every other template row is 'datetime'. The date judged is occurred_at,
-- or reported_at when occurred_at is blank (the same value month is taken from). The declared
-- setting is the source's latest file's, for all its rows: ingest keeps a row it already holds
-- unchanged from the file it first came from, and a changed mapping must still apply to it.
CREATE OR REPLACE TABLE int_incident AS
WITH latest_force_month AS (
    SELECT falls_within, month, max(file_id) AS file_id
    FROM stg_police_uk
    GROUP BY falls_within, month
),
police AS (
    SELECT s.*
    FROM stg_police_uk s
    JOIN latest_force_month USING (falls_within, month, file_id)
),
declared AS (
    -- the setting of the source's latest file (loaded, or skipped as identical to one held):
    -- one answer per source, whichever file a row was first loaded from
    SELECT source_name,
           arg_max(coalesce(mapping ->> 'time_precision', 'auto'), file_id) AS declared_precision
    FROM raw_file
    WHERE template = 'incidents'
    GROUP BY source_name
),
reports AS (
    SELECT s.*,
           coalesce(t.date_only, FALSE)                          AS date_only,
           coalesce(d.declared_precision, 'auto')                AS declared_precision
    FROM stg_incidents s
    LEFT JOIN int_incident_time t USING (file_id, row_number)
    LEFT JOIN declared d USING (source_name)
    QUALIFY row_number() OVER (
        PARTITION BY s.agency, s.source_ref ORDER BY s.file_id DESC, s.row_number DESC) = 1
)
SELECT
    'police-uk:' || file_id || ':' || row_number        AS incident_id,
    'police-uk'                                          AS template,
    source_name,
    falls_within                                         AS agency,
    crime_id                                             AS source_ref,
    CAST(NULL AS VARCHAR)                                AS case_ref,
    crime_type = 'Anti-social behaviour'                 AS is_asb,
    crime_type,
    CAST(NULL AS VARCHAR)                                AS category,
    CAST(NULL AS VARCHAR)                                AS subtype,
    CAST(NULL AS TIMESTAMP)                              AS reported_at,
    CAST(NULL AS TIMESTAMP)                              AS occurred_at,
    CAST(NULL AS TIMESTAMP)                              AS occurred_to,
    month,
    'month'                                              AS time_precision,
    longitude,
    latitude,
    CAST(NULL AS DOUBLE)                                 AS easting,
    CAST(NULL AS DOUBLE)                                 AS northing,
    location                                             AS location_text,
    CAST(NULL AS VARCHAR)                                AS address,
    CAST(NULL AS VARCHAR)                                AS postcode,
    CAST(NULL AS VARCHAR)                                AS uprn,
    lsoa_code                                            AS given_lsoa_code,
    CAST(NULL AS BOOLEAN)                                AS hate_related,
    CAST(NULL AS VARCHAR)                                AS description,
    last_outcome_category                                AS outcome,
    extra,
    file_id,
    row_number
FROM police
UNION ALL
SELECT
    agency || ':' || source_ref                          AS incident_id,
    'incidents'                                          AS template,
    source_name,
    agency,
    source_ref,
    case_ref,
    TRUE                                                 AS is_asb,
    'Anti-social behaviour'                              AS crime_type,
    category,
    subtype,
    reported_at,
    occurred_at,
    occurred_to,
    CAST(date_trunc('month', coalesce(occurred_at, reported_at)) AS DATE) AS month,
    CASE
        WHEN date_only OR declared_precision = 'date' THEN 'date'
        WHEN declared_precision = 'datetime' THEN 'datetime'
        WHEN occurred_to IS NULL
             AND coalesce(occurred_at, reported_at)
                 = date_trunc('day', coalesce(occurred_at, reported_at)) THEN 'date'
        ELSE 'datetime'
    END                                                  AS time_precision,
    longitude,
    latitude,
    easting,
    northing,
    coalesce(address, postcode)                          AS location_text,
    address,
    upper(postcode)                                      AS postcode,
    uprn,
    CAST(NULL AS VARCHAR)                                AS given_lsoa_code,
    hate_related,
    description,
    CAST(NULL AS VARCHAR)                                AS outcome,
    extra,
    file_id,
    row_number
FROM reports;
