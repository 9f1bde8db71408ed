-- purpose: the partnership's areas: LSOAs with population and deprivation, wards, CSP areas.
-- inputs:  raw_area_boundary, raw_area_lookup, raw_area_population, raw_area_imd
-- output:  core_area_lsoa, core_area_ward, core_area_csp
-- grain:   core_area_lsoa: one row per LSOA with a boundary; core_area_ward: one row per
--          ward; core_area_csp: one row per local authority (CSP area) with LSOAs loaded.
CREATE OR REPLACE TABLE core_area_lsoa AS
SELECT
    b.code                                AS lsoa_code,
    coalesce(l.lsoa_name, b.name)         AS lsoa_name,
    coalesce(l.lad_code, b.lad_code)      AS csp_code,
    l.lad_name                            AS csp_name,
    p.population,
    p.households,
    p.hectares,
    i.imd_rank,
    i.imd_decile,
    b.geometry
FROM raw_area_boundary b
LEFT JOIN raw_area_lookup l ON l.lsoa_code = b.code
LEFT JOIN raw_area_population p ON p.lsoa_code = b.code
LEFT JOIN raw_area_imd i ON i.lsoa_code = b.code
WHERE b.level = 'lsoa'
ORDER BY b.code;

CREATE OR REPLACE TABLE core_area_ward AS
SELECT
    b.code      AS ward_code,
    b.name      AS ward_name,
    b.lad_code  AS csp_code,
    b.geometry
FROM raw_area_boundary b
WHERE b.level = 'ward'
ORDER BY b.code;

CREATE OR REPLACE TABLE core_area_csp AS
SELECT
    csp_code,
    any_value(csp_name)      AS csp_name,
    count(*)                 AS lsoas,
    sum(population)          AS population
FROM core_area_lsoa
WHERE csp_code IS NOT NULL
GROUP BY csp_code
ORDER BY csp_code;
