-- purpose: monthly counts for trends and the Data page.
-- inputs:  mart_incident
-- output:  mart_monthly
-- grain:   one row per month x source x CSP area x category x ASB flag with at least one
--          incident.
CREATE OR REPLACE TABLE mart_monthly AS
SELECT
    month,
    source_name,
    csp_code,
    coalesce(csp_name, 'Outside the area') AS csp_name,
    category,
    is_asb,
    count(*)                               AS incidents
FROM mart_incident
GROUP BY ALL
ORDER BY ALL;
