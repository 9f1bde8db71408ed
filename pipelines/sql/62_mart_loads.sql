-- purpose: what has been loaded, file by file, and every rejected row with its reason.
-- inputs:  raw_file, raw_reject
-- output:  mart_file, mart_reject
-- grain:   mart_file: one row per file ingested (including identical files skipped);
--          mart_reject: one row per rejected row.
CREATE OR REPLACE TABLE mart_file AS
SELECT
    file_id,
    file_name,
    source_name,
    template,
    status,
    loaded_at,
    rows_read,
    rows_loaded,
    rows_rejected,
    rows_duplicate,
    encoding,
    delimiter,
    sha256
FROM raw_file
ORDER BY file_id;

CREATE OR REPLACE TABLE mart_reject AS
SELECT
    f.file_name,
    f.source_name,
    r.file_id,
    r.row_number,
    r.column_name,
    r.reason,
    r.value,
    CAST(r.record AS VARCHAR) AS record
FROM raw_reject r
JOIN raw_file f USING (file_id)
ORDER BY r.file_id, r.row_number;
