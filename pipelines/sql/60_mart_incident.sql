-- purpose: what the dashboard reads about incidents.
-- inputs:  core_incident, core_area_lsoa, core_area_ward, core_area_csp
-- output:  mart_incident
-- grain:   one row per incident report held, every source and crime type (filter is_asb
--          for ASB). Documented column by column in docs/warehouse.md.
CREATE OR REPLACE TABLE mart_incident AS
SELECT
    i.incident_id,
    i.source_name,
    i.template                         AS source_kind,
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
    i.has_location,
    i.longitude,
    i.latitude,
    i.easting,
    i.northing,
    i.location_key,
    i.location_text,
    i.lsoa_code,
    l.lsoa_name,
    i.ward_code,
    w.ward_name,
    i.csp_code,
    c.csp_name,
    i.in_area,
    l.imd_decile,
    i.hate_related,
    i.case_ref,
    i.file_name,
    i.row_number
FROM core_incident i
LEFT JOIN core_area_lsoa l USING (lsoa_code)
LEFT JOIN core_area_ward w USING (ward_code)
LEFT JOIN core_area_csp c ON c.csp_code = i.csp_code
ORDER BY i.month, i.incident_id;
