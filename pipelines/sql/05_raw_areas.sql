-- purpose: the area reference data as loaded: boundaries, population, deprivation, lookups.
-- inputs:  written by pipelines/areas.py (`asb areas`, `asb load-sample`)
-- output:  raw_area_boundary, raw_area_population, raw_area_imd, raw_area_lookup
-- grain:   raw_area_boundary: one row per polygon (LSOA or ward); the others one row per LSOA.
CREATE TABLE IF NOT EXISTS raw_area_boundary (
    level     VARCHAR NOT NULL,        -- lsoa | ward
    code      VARCHAR NOT NULL,
    name      VARCHAR,
    lad_code  VARCHAR,                 -- the local authority (CSP area) it lies in
    geometry  VARCHAR NOT NULL,        -- WKT, WGS84 (EPSG:4326)
    file_name VARCHAR
);

CREATE TABLE IF NOT EXISTS raw_area_population (
    lsoa_code  VARCHAR NOT NULL,
    population INTEGER,
    households INTEGER,
    hectares   DOUBLE
);

CREATE TABLE IF NOT EXISTS raw_area_imd (
    lsoa_code   VARCHAR NOT NULL,
    imd_rank    INTEGER,
    imd_decile  INTEGER
);

CREATE TABLE IF NOT EXISTS raw_area_lookup (
    lsoa_code VARCHAR NOT NULL,
    lsoa_name VARCHAR,
    lad_code  VARCHAR,
    lad_name  VARCHAR,
    police_force VARCHAR
);
