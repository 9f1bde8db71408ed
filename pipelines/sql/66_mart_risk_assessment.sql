-- purpose: every Risk Assessment Matrix assessment as the warehouse scores it, with the
--          person's history (previous score and band, rising risk) and the next review date.
-- inputs:  core_risk_scored, core_case
-- output:  mart_risk_assessment
-- grain:   one row per assessment held. Documented column by column in docs/warehouse.md.
CREATE OR REPLACE TABLE mart_risk_assessment AS
SELECT
    s.assessment_id,
    s.agency,
    s.assessment_ref,
    s.person_id,
    s.person_record_id,
    s.case_id,
    s.assessed_at,
    s.assessment_number,
    s.score,
    s.score_history,
    s.score_vulnerability,
    s.score_impact,
    s.score_support,
    s.score_band,
    s.override_band,
    s.override_reason,
    s.override_outcome,
    s.band,
    s.recorded_score,
    s.recorded_band,
    s.score_differs,
    s.answered,
    s.unanswered,
    s.unknown_answers,
    s.previous_score,
    s.previous_band,
    s.score_change,
    s.risk_rising,
    s.review_due,
    s.next_review_due,
    c.opened_at                     AS case_opened_at,
    c.closed_at                     AS case_closed_at
FROM core_risk_scored s
LEFT JOIN core_case c ON c.case_id = s.case_id
ORDER BY s.person_id, s.assessed_at, s.assessment_id;
