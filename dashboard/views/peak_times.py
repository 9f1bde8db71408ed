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
from pipelines.analysis import peaktimes as pt
from pipelines.analysis.load import Harm, IncidentFilter
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


def _when_known(f: IncidentFilter, harm: Harm, cap_hours: float
                ) -> tuple[dict[str, int], pt.HourOfWeek | None]:
    """Incidents by what is known of when they happened (every incident chosen in exactly one
    class), and the hour-of-week matrix of those with a time of day (``None`` when none has
    one). The classes follow :func:`~pipelines.analysis.peaktimes.occurrence_windows`, the rule
    the matrix itself uses."""
    frame, _ = wwd._times(*wwd._wh(), f, harm)  # the cached frame hour_of_week() is made from
    count = frame["count"].to_numpy(dtype=np.int64)
    win = pt.occurrence_windows(frame)
    used, length = win.used, np.nan_to_num(win.hours.astype(float))
    long = used & (length > cap_hours)
    is_date = frame["time_precision"].astype(str).str.lower().eq("date").to_numpy()
    timed = used & ~long & ~is_date
    classes = {
        "time": int(count[timed].sum()),
        "date": int(count[used & ~long & is_date].sum()),
        "long": int(count[long].sum()),
        "month": int(count[win.month_only].sum()),
        "none": int(count[win.no_time | win.bad].sum()),
    }
    return classes, (pt.hour_of_week(frame[timed], weight="weight") if timed.any() else None)


# ---- hour of week --------------------------------------------------------------------------
st.subheader("Day of week and hour", anchor=False)
how = wwd.hour_of_week(f, harm)
known, timed_how = _when_known(f, harm, how.cap_hours)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Incidents with a day and time", f"{known['time']:,}",
          help="An exact time, or a window of up to a week (\"between 22:00 and 07:00\"), "
               "shared over the hours it covers.")
m2.metric("With a date but no time", f"{known['date']:,}",
          help="Only the day is known: each is spread evenly over the 24 hours of its day, so "
               "they show which days are busy, not which hours.")
m3.metric("Month only (left out here)", f"{known['month']:,}")
m4.metric("No usable date or time (left out)", f"{known['none']:,}",
          help="No date recorded, or a window that ends before it starts.")
parts = [f"{known['time']:,} with a day and time", f"{known['date']:,} with a date but no time"]
if known["long"]:
    parts.append(f"{known['long']:,} known only to within a window longer than a week (spread "
                 "evenly over all 168 hours of the week)")
parts += [f"{known['month']:,} with a month only", f"{known['none']:,} with no usable date or "
          "time (no date recorded, or an end before the start)"]
st.caption(f"Of the {totals['incidents']:,} incidents chosen: " + ", ".join(parts[:-1])
           + f" and {parts[-1]}.")
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
    busiest_day = str(how.by_day.idxmax())
    if timed_how is not None:
        peak_day, peak_hour = np.unravel_index(int(np.argmax(timed_how.matrix.to_numpy())),
                                               (7, 24))
        peak = (f"Busiest hour of the week, from the {known['time']:,} incidents with a time: "
                f"{timed_how.matrix.index[peak_day]} {peak_hour:02d}:00-{peak_hour + 1:02d}:00.")
    else:
        peak = ("No time of day is known for these incidents, so there is no busiest hour: the "
                f"busiest day of the week is {busiest_day}.")
    st.caption(f"{peak} Windows (\"between 22:00 and 07:00\") are shared over the hours they "
               "cover (aoristic); a date without a time is spread evenly over the 24 hours of "
               f"its day; windows longer than a week ({known['long']:,}) are spread evenly over "
               "all 168 hours.")
    st.dataframe(how.matrix.round(2).rename(columns="{:02d}".format).reset_index(),
                 hide_index=True, key="pt_matrix")
else:
    st.info("None of the incidents chosen has a day and time, or even a date.")

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
    why = [(known["month"], "month only"), (known["none"], "no usable date or time"),
           (known["long"], "windows longer than a week")]
    st.caption(f"Each special day against the same weekday in the {special.baseline_weeks} "
               f"weeks either side. {special.n_left_out:,} incidents cannot be placed on a "
               "date and are left out" + (": " + ", ".join(
                   f"{n:,} {what}" for n, what in why if n) if special.n_left_out else "")
               + ".")

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
