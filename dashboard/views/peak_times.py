"""Peak times: when ASB happens (hour of week, months, seasons, year on year, special days)
and whether incidents near in space are also near in time (near repeats, the Knox test)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dashboard import where_when_data as wwd
from dashboard.auth import require_page
from dashboard.components import about, month_axis
from dashboard.where_when_filters import coverage_warning, harm_choice, page_filter
from pipelines.analysis.near_repeat import DEFAULT_SPACE_BANDS, DEFAULT_TIME_BANDS
from pipelines.errors import AnalysisProblem

DOC = "methods.md"

viewer = require_page(__file__)  # signed in, with a role this page is open to
st.title("Peak times")
f = page_filter("pt")
if f is None:
    st.stop()
harm = harm_choice("pt", st.sidebar)
totals = wwd.counts(f)
if totals["incidents"] == 0:
    st.info("No ASB incidents match these filters.")
    st.stop()
month_only = totals["incidents"] - totals["timed"]
unit = "harm-weighted incidents" if harm else "incidents"

# ---- hour of week --------------------------------------------------------------------------
st.subheader("Day of week and hour", anchor=False)
how = wwd.hour_of_week(f, harm)
m1, m2, m3 = st.columns(3)
m1.metric("Incidents with a day and time", f"{how.n_used:,}")
m2.metric("Month only (left out here)", f"{how.n_month_only:,}")
m3.metric("Spread over hours (windows, dates)", f"{how.n_used - how.n_exact:,}",
          help="Incidents known only as a window or a day, shared over the hours they cover.")
if month_only:
    st.info(f"{month_only:,} of the {totals['incidents']:,} incidents chosen carry only a month "
            "(police.uk publishes ASB by month and street, with no day or time). They are left "
            "out of the day and hour views below and counted in the monthly trend.",
            icon=":material/calendar_month:")
if how.n_used:
    heat = go.Figure(go.Heatmap(
        z=how.matrix.to_numpy(), x=[f"{h:02d}" for h in how.matrix.columns],
        y=list(how.matrix.index), colorscale="YlOrRd", hovertemplate=(
            "%{y} %{x}:00<br>%{z:.1f} " + unit + "<extra></extra>"),
        colorbar={"title": {"text": unit}, "thickness": 12}))
    heat.update_layout(height=330, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                       yaxis={"autorange": "reversed"}, xaxis={"title": "hour"})
    st.plotly_chart(heat, key="pt_heatmap")
    peak_day, peak_hour = np.unravel_index(int(np.argmax(how.matrix.to_numpy())), (7, 24))
    st.caption(f"Busiest hour of the week: {how.matrix.index[peak_day]} "
               f"{peak_hour:02d}:00-{peak_hour + 1:02d}:00. Windows (\"between 22:00 and "
               "07:00\") are shared over the hours they cover (aoristic); windows longer than a "
               f"week ({how.n_spread_week:,}) are spread evenly over all 168 hours.")
    st.dataframe(how.matrix.round(2).rename(columns="{:02d}".format).reset_index(),
                 hide_index=True, key="pt_matrix")
else:
    st.info("None of the incidents chosen has a day and time.")

# ---- months, seasons, year on year ---------------------------------------------------------
st.subheader("Month by month", anchor=False)
coverage_warning(f)
trend = wwd.monthly(f, harm)
monthly = trend.monthly
bars = go.Figure()
bars.add_bar(x=monthly["month"], y=monthly["count"], name="this month", marker_color="#1f5f99")
bars.add_scatter(x=monthly["month"], y=monthly["last_year"], name="same month last year",
                 mode="lines+markers", line={"color": "#9fb3c8"})
bars.update_layout(height=320, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                   legend={"orientation": "h", "y": 1.1}, yaxis={"title": unit})
month_axis(bars, monthly["month"])
st.plotly_chart(bars, key="pt_monthly")
t1, t2, t3 = st.columns(3)
t1.metric("Trend (Mann-Kendall)", trend.trend,
          help="Needs four months or more; p-value below 0.05 for a trend.")
t2.metric("Change per month (Theil-Sen)",
          "-" if np.isnan(trend.sen_slope) else f"{trend.sen_slope:+,.1f}")
yoy = trend.year_on_year_pct
t3.metric("Latest 12 months against the 12 before",
          "-" if trend.year_on_year_change is None else f"{trend.year_on_year_change:+,.0f}",
          delta=None if yoy is None else f"{yoy:+.1f}%", delta_color="inverse")
if trend.year_on_year_change is None:
    st.caption("Year on year needs 24 months of data; the monthly chart compares each month "
               "with the same month a year earlier where both are held.")
st.dataframe(trend.seasons.rename(columns={"count": unit}), hide_index=True, key="pt_seasons")

# ---- special days ---------------------------------------------------------------------------
st.subheader("Special days", anchor=False)
kinds = st.multiselect("Kinds of day", ["bank holiday", "fixed", "school holiday"],
                       default=["bank holiday", "fixed", "school holiday"], key="pt_kinds",
                       help="Fixed days (Bonfire night, Halloween...) and school holidays come "
                            "from the configuration (special_days).")
special = wwd.special_days(f, harm, tuple(kinds))
if special.by_name.empty:
    st.info("No special day falls inside the period of the incidents with a date.")
else:
    st.dataframe(special.by_name, hide_index=True, key="pt_special",
                 column_config={"ratio": st.column_config.NumberColumn(format="%.2f"),
                                "expected": st.column_config.NumberColumn(format="%.1f"),
                                "difference_per_day": st.column_config.NumberColumn(
                                    format="%+.1f"),
                                "p_value": st.column_config.NumberColumn(format="%.3f")})
    st.caption(f"Each special day against the same weekday in the {special.baseline_weeks} "
               f"weeks either side. {special.n_left_out:,} incidents cannot be placed on a "
               "date (month only, or windows longer than a week) and are left out.")

# ---- near repeats ---------------------------------------------------------------------------
st.subheader("Near repeats (Knox test)", anchor=False)


def _edges(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise AnalysisProblem(f"{what} must be numbers separated by commas, like 0, 100, 200 "
                              f"(got {text!r})") from None


with st.form("pt_knox"):
    k1, k2, k3, k4 = st.columns([3, 3, 1, 1])
    space_text = k1.text_input("Space bands (metres)", ", ".join(
        f"{v:g}" for v in DEFAULT_SPACE_BANDS), key="pt_space_bands")
    time_text = k2.text_input("Time bands (days)", ", ".join(
        f"{v:g}" for v in DEFAULT_TIME_BANDS), key="pt_time_bands")
    permutations = k3.number_input("Permutations", 99, 9999, 999, step=100,
                                   key="pt_permutations")
    seed = k4.number_input("Seed", 0, 2**31 - 1, 0, key="pt_seed")
    run = st.form_submit_button("Run the Knox test", key="pt_knox_run",
                                icon=":material/play_arrow:")
if run:
    st.session_state["pt_knox_for"] = (f, space_text, time_text, int(permutations), int(seed))
asked = st.session_state.get("pt_knox_for")
if asked and asked[0] == f:
    _, space_text, time_text, permutations, seed = asked
    try:
        space, time_bands = _edges(space_text, "Space bands"), _edges(time_text, "Time bands")
        if totals["timed"] > wwd.knox_limit():
            raise AnalysisProblem(
                f"{totals['timed']:,} incidents with a date is more than the "
                f"{wwd.knox_limit():,} the test runs on here (pairs grow with the square of the "
                "number): narrow the period, area, ward or category.")
        with st.spinner(f"Testing {permutations:,} permutations..."):
            knox = wwd.knox(f, space, time_bands, permutations, seed)
        st.caption(f"{knox.n_events:,} incidents with a place and a date; {knox.n_excluded:,} "
                   f"left out (no place, or month only). {knox.permutations:,} permutations, "
                   f"seed {knox.seed}. Cells show observed / expected pairs; * p <= "
                   f"{knox.alpha:g}.")
        ratio = knox.matrix("ratio")
        flags = knox.matrix("p_value") <= knox.alpha
        shown = ratio.round(2).astype(str) + np.where(flags, " *", "")
        st.dataframe(shown.reset_index(), hide_index=True, key="pt_knox_table")
        st.dataframe(knox.table, hide_index=True, key="pt_knox_detail")
    except AnalysisProblem as problem:
        st.warning(str(problem), icon=":material/info:")
elif asked:
    st.caption("The filters changed since the last test: run it again.")
else:
    st.caption("Runs on incidents with a place and a day (not police.uk rows); 999 "
               "permutations take a few seconds for ten thousand incidents.")

about(DOC, "Peak times", "About the peak times")
about(DOC, "Near repeats", "About the Knox test")
