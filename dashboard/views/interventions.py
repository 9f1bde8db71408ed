"""Which interventions work: time to the next incident after each type of action, as survival
curves with 95% bands, for everyone and within risk bands. Aggregates only; observational."""

from dashboard.auth import require_page

viewer = require_page(__file__)

import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import offenders_data as od  # noqa: E402
from dashboard.components import about  # noqa: E402
from pipelines.analysis.interventions import OBSERVATIONAL_WARNING  # noqa: E402
from pipelines.config import load_config  # noqa: E402

SMALL = int(load_config()["suppression"]["threshold"])  # governance small-number rule

st.title("Which interventions work?")
st.warning(OBSERVATIONAL_WARNING, icon=":material/warning:")
results = od.interventions()
if results is None:
    st.info("No actions with people named in incidents are loaded yet (load an actions export, "
            "or incident exports whose results record actions).")
    st.stop()

compare = st.radio("Compare", ["Everyone", "Within a risk band"], horizontal=True,
                   key="iv_compare")
if compare == "Everyone":
    result = results.overall
    summary = result.summary.copy()
    curves = result.curves
else:
    bands = sorted(results.by_band.summary["risk_band"].unique())
    band = st.selectbox("Risk band at the time of the action", bands, key="iv_band")
    st.caption(f"Bands come from {results.band_source}.")
    summary = results.by_band.summary[results.by_band.summary["risk_band"] == band].copy()
    curves = results.by_band.curves
    curves = curves[curves["risk_band"] == band] if not curves.empty else curves

drawable = summary[~summary["suppressed"]].sort_values("actions", ascending=False)
options = drawable["action"].tolist()
chosen = st.multiselect("Actions to draw", options, default=options[:5], key="iv_actions")

if chosen:
    fig = go.Figure()
    palette = ["#1f5f99", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d",
               "#2c3e50", "#b7950b", "#6c3483"]
    for i, action in enumerate(chosen):
        c = curves[curves["action"] == action]
        c = c[c["at_risk"] >= SMALL]  # the tail, where a handful of people remain, is not drawn
        colour = palette[i % len(palette)]
        fill = "rgba({},{},{},0.15)".format(*(int(colour[j:j + 2], 16) for j in (1, 3, 5)))
        fig.add_trace(go.Scatter(x=c["days"], y=c["upper"], mode="lines", line_shape="hv",
                                 line={"width": 0}, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=c["days"], y=c["lower"], mode="lines", line_shape="hv",
                                 line={"width": 0}, fill="tonexty", fillcolor=fill,
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=c["days"], y=c["survival"], mode="lines", line_shape="hv",
                                 line={"color": colour, "width": 2}, name=action))
    fig.update_layout(
        xaxis_title="Days since the action", yaxis_title="Share not named in a new incident",
        yaxis_tickformat=".0%", yaxis_range=[0, 1.02], height=460,
        xaxis_range=[0, results.follow_up_days], legend_title_text="Action",
        margin={"l": 10, "r": 10, "t": 30, "b": 10})
    st.plotly_chart(fig, key="iv_chart")
    st.caption("Shaded: 95% confidence band. A curve that stays higher means more people went "
               f"longer without being named again. Curves stop where fewer than {SMALL} people "
               "were still being followed.")


def _pct(row: pd.Series, d: int) -> str:
    v = row.get(f"named_again_{d}d")
    if v is None or pd.isna(v):
        return ""
    followed = int(row[f"followed_{d}d"])
    if followed < SMALL:
        return f"fewer than {SMALL} still followed"
    return (f"{v:.0%} ({row[f'named_again_{d}d_low']:.0%}–{row[f'named_again_{d}d_high']:.0%}), "
            f"{followed:,} followed")


rows = []
for _, r in summary.sort_values(["suppressed", "actions"], ascending=[True, False]).iterrows():
    if r["suppressed"]:
        rows.append({"Action": r["action"], "Actions": f"fewer than {results.min_actions}",
                     "Named again within 90 days": "not shown",
                     "Within 180 days": "not shown", "Within 365 days": "not shown",
                     "Median days to next incident": ""})
        continue
    median = r.get("median_days")
    rows.append({"Action": r["action"], "Actions": f"{int(r['actions']):,}",
                 "Named again within 90 days": _pct(r, 90),
                 "Within 180 days": _pct(r, 180), "Within 365 days": _pct(r, 365),
                 "Median days to next incident": "" if median is None or pd.isna(median)
                 else f"{median:.0f}"})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="iv_table")
st.caption(f"{results.episodes:,} actions with people already named in an incident, followed "
           f"for up to {results.follow_up_days} days or to the end of the data. Action types "
           f"with fewer than {results.min_actions} actions are not shown. 95% intervals.")
about("methods.md", "Which interventions work", "About this analysis")
