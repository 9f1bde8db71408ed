-- purpose: the canonical incident: every source, with coordinates in both systems, LSOA,
--          ward and CSP area, and a key for repeat locations.
-- inputs:  int_incident, int_incident_geo (computed by pipelines/warehouse.py with pyproj
--          and shapely), int_address (does the address name a place? its postcode unit),
--          core_area_lsoa, core_area_ward
-- output:  core_incident
-- grain:   one row per incident report held (see int_incident).
--
-- location_key (a repeat location): the UPRN when given; else the police.uk snap point (a
-- fixed anonymous map point, even when its name is blank: "On or near "); else the address
-- (and postcode) when it names a place smaller than a town; else, for a report with no
-- address, its point rounded to 10 m; else the full postcode ('postcode:TS1 2AB', from the
-- postcode column or written in the address) when one is given. A report whose address names
-- only a town, a kind of place or no place at all ("Middlesbrough (no street given)", "Near
-- Supermarket, Redcar", "Victim's home") and gives no full postcode has no key: its
-- coordinates are often the town's centre, and keyed together such reports would rank a
-- whole town as one "hot dot". int_address (36_int_address.py) judges each address.
CREATE OR REPLACE TABLE core_incident AS
SELECT
    i.incident_id,
    i.template,
    i.source_name,
    i.agency,
    i.source_ref,
    i.case_ref,
    i.is_asb,
    i.crime_type,
    i.category,
    i.subtype,
    i.reported_at,
    i.occurred_at,
    i.occurred_to,
    i.month,
    i.time_precision,
    g.longitude,
    g.latitude,
    g.easting,
    g.northing,
    g.longitude IS NOT NULL                                          AS has_location,
    i.location_text,
    i.address,
    i.postcode,
    i.uprn,
    -- police.uk: trust the file's LSOA (snap points often fall outside their own LSOA)
    CASE WHEN i.template = 'police-uk' THEN i.given_lsoa_code ELSE g.lsoa_code END AS lsoa_code,
    g.ward_code,
    coalesce(
        (SELECT count(*) FROM core_area_lsoa) > 0
        AND a.lsoa_code IS NOT NULL, FALSE)                           AS in_area,
    a.csp_code,
    CASE
        WHEN i.uprn IS NOT NULL THEN 'uprn:' || i.uprn
        WHEN i.template = 'police-uk' AND g.longitude IS NOT NULL
            THEN 'point:' || printf('%.6f,%.6f', g.longitude, g.latitude)
        WHEN i.address IS NOT NULL AND coalesce(ad.names_a_place, TRUE)
            THEN 'address:' || lower(regexp_replace(trim(i.address), '[^A-Za-z0-9]+', ' ', 'g'))
                 || coalesce(' ' || lower(replace(i.postcode, ' ', '')), '')
        WHEN i.address IS NULL AND g.easting IS NOT NULL
            THEN 'point:' || printf('%.0f,%.0f', round(g.easting / 10) * 10,
                                     round(g.northing / 10) * 10)
        WHEN ad.postcode_unit IS NOT NULL THEN 'postcode:' || ad.postcode_unit
    END                                                               AS location_key,
    i.hate_related,
    i.description,
    i.outcome,
    i.extra,
    i.file_id,
    i.row_number,
    f.file_name,
    f.loaded_at
FROM int_incident i
LEFT JOIN int_incident_geo g USING (incident_id)
LEFT JOIN int_address ad
    ON ad.address IS NOT DISTINCT FROM i.address AND ad.postcode IS NOT DISTINCT FROM i.postcode
    AND i.template <> 'police-uk'
LEFT JOIN core_area_lsoa a
    ON a.lsoa_code = CASE WHEN i.template = 'police-uk' THEN i.given_lsoa_code ELSE g.lsoa_code END
LEFT JOIN raw_file f ON f.file_id = i.file_id;
