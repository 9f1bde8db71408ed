"""Offender panel: persistent perpetrators, their current risk and why, where they are on the
escalation ladder, support needs, victims affected and what changed since the last panel.

A person-level page, role-gated and audited. The risk model informs the panel; it never
decides anything.
"""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

import re  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import offenders_data as od  # noqa: E402
from dashboard.auth import audit, audit_view, audit_writer  # noqa: E402
from dashboard.components import DOCS_DIR, about  # noqa: E402
from dashboard.vol_widgets import open_person  # noqa: E402
from pipelines.analysis import format_metric  # noqa: E402
from pipelines.config import load_config  # noqa: E402
from pipelines.errors import AnalysisProblem  # noqa: E402

TITLE = "Offender panel"
st.title(TITLE)
config = load_config()
persistent = config["reoffending"]["persistent"]
st.caption("The risk estimate informs the panel's discussion; it never decides anything. It is "
           "the chance of being named in a new ASB incident within "
           f"{config['reoffending']['months']} months, learned from past records, and it is "
           "wrong for some people in both directions.")


def train_button(label: str) -> None:
    """Train the model from the page (analysts): the command line cannot reach the warehouse
    while the dashboard has it open."""
    if viewer.role != "analyst":
        st.caption("An analyst can train it here, or with `asb risk train --db WAREHOUSE` while "
                   "the dashboard is stopped.")
        return
    if not st.button(label, key="op_train", icon=":material/model_training:"):
        return
    try:
        with st.spinner("Testing the model on later dates, fitting it on all the data and "
                        "scoring everyone (a minute at most on a partnership's data)..."):
            done = od.train_model(viewer.username,
                                  audit_writer(viewer, "train model", TITLE))
    except AnalysisProblem as problem:
        st.error(f"No model was stored: {problem}", icon=":material/error:")
        return
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback; nothing was stored
        st.error(f"No model was stored: training failed ({type(exc).__name__}: "
                 f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}). Try `asb risk "
                 "train --debug` with the dashboard stopped for the detail.",
                 icon=":material/error:")
        return
    # The page is redrawn with the new model: the message waits in the session for that run.
    st.session_state["op_trained"] = (f"Stored {done.version}: {done.people_scored:,} people "
                                      f"scored as at {done.scored_at}.")
    st.session_state.pop("op_sort", None)  # now there is a risk to sort by: the default again
    st.rerun()


if "op_trained" in st.session_state:
    st.success(st.session_state.pop("op_trained"), icon=":material/check_circle:")

info = od.model_info()
if info is None:
    st.info("No risk model has been trained on this warehouse yet, so nobody is scored: the "
            "list is sorted by incidents in the last 12 months, and the Risk and Band columns "
            "fill in once an analyst trains the model.", icon=":material/model_training:")
    train_button("Train the risk model")
else:
    m = info["metrics"] or {}
    st.caption(
        f"Risk from {info['version']} ({info['kind']}), trained {info['created_at']:%d %b %Y} "
        f"on data from {info['data_from']:%d %b %Y} to {info['data_to']:%d %b %Y}, scored as at "
        f"{info['scored_at']:%d %b %Y}. Tested on later dates: AUC {format_metric(m.get('auc'))} "
        f"(counting past incidents alone: {format_metric(m.get('baseline_auc'))}), calibration "
        f"slope {format_metric(m.get('calibration_slope'))}. See the model card below.")
    now = info.get("data_end_now")
    if now is not None and pd.Timestamp(now) > pd.Timestamp(info["data_to"]):
        st.warning(f"The warehouse now holds reports up to {pd.Timestamp(now):%d %b %Y}, after "
                   "the data this model scored: retrain it before the panel.",
                   icon=":material/update:")
        train_button("Retrain the risk model")

table = od.panel()
if table.empty:
    st.info("Nobody in this warehouse is named as a perpetrator or suspect yet.")
    st.stop()
last = od.last_panel()

with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    persistent_only = c1.checkbox(
        f"Persistent only ({persistent['incidents']}+ incidents in {persistent['months']} months)",
        value=True, key="op_persistent")
    changed_only = c1.checkbox("Changed since the last panel", value=False, key="op_changed",
                               disabled=last is None)
    bands = [b["band"] for b in config["reoffending"]["bands"]]
    chosen_bands = c2.multiselect("Risk band", bands, key="op_band",
                                  disabled=info is None)
    agencies = sorted({a for s in table["agencies"].dropna() for a in s.split(", ")})
    chosen_agencies = c2.multiselect("Agency", agencies, key="op_agency")
    min_incidents = c3.number_input("At least this many incidents in 12 months", min_value=0,
                                    value=0, step=1, key="op_min")
    # Without a model every risk is blank, so a risk sort would be arbitrary: sort by incidents.
    sort = c3.selectbox("Sort by", list(od.SORTS), key="op_sort",
                        index=list(od.SORTS).index(od.DEFAULT_SORT if info else od.UNSCORED_SORT))
    search = st.text_input("Find a name or reference", key="op_search")

shown = od.filter_panel(table, od.PanelFilters(
    persistent_only=persistent_only, bands=tuple(chosen_bands), agencies=tuple(chosen_agencies),
    min_incidents=int(min_incidents), search=search, changed_only=changed_only, sort=sort))

k1, k2, k3, k4 = st.columns(4)
k1.metric("People listed", f"{len(shown):,}")
top_band = max(config["reoffending"]["bands"], key=lambda b: float(b["min"]))["band"]
k2.metric(f"{str(top_band).capitalize()} risk band",
          f"{int((shown['band'] == top_band).sum()):,}" if info else "not scored",
          help=None if info else "Filled in once an analyst trains the risk model")
k3.metric("Victims affected (12 months)", f"{int(shown['victims_recent'].sum()):,}")
if last is not None:
    k4.metric("New on the list since the last panel",
              f"{int(shown['new_on_list'].sum()):,}")
    st.caption(f"Changes are against the panel recorded {last['recorded_at']:%d %b %Y %H:%M} by "
               f"{last['recorded_by']} ({last['people']:,} people).")
else:
    k4.metric("Last panel", "none recorded")


def _change(row: pd.Series) -> str:
    if last is None:
        return ""
    if row["new_on_list"]:
        return "new on the list"
    parts = []
    if pd.notna(row["risk_change"]) and abs(row["risk_change"]) >= 0.005:
        parts.append(f"risk {row['risk_change'] * 100:+.0f} points")
    if pd.notna(row["band_before"]) and row["band"] != row["band_before"]:
        parts.append(f"band {row['band_before']} → {row['band']}")
    if row["new_incidents_since_panel"]:
        parts.append(f"{int(row['new_incidents_since_panel'])} new incident(s)")
    if row["new_actions_since_panel"]:
        parts.append(f"{int(row['new_actions_since_panel'])} new action(s)")
    return "; ".join(parts) or "no change"


view = pd.DataFrame({
    "Person": shown["name"].fillna("") + " · " + shown["person_id"],
    "Risk": shown["risk"],
    "Band": shown["band"].astype(object).where(shown["band"].notna(), "not scored"),
    "Main factors": shown["factors"].apply(
        lambda f: "; ".join(f) if isinstance(f, list | tuple) else ""),
    "Change since last panel": shown.apply(_change, axis=1) if len(shown) else [],
    "Incidents (12 months)": shown["incidents_recent"],
    "Last incident": shown["last_incident"],
    "Victims (12 months)": shown["victims_recent"],
    "Ladder": shown["ladder_step"].fillna("no action"),
    "Last action": shown["last_action"],
    "Last action date": shown["last_action_date"],
    "Support needs noted": shown["support_needs"],
    "Agencies": shown["agencies"],
})
st.dataframe(
    view, hide_index=True, width="stretch", key="op_table",
    column_config={
        "Risk": st.column_config.ProgressColumn(
            "Risk", format="percent", min_value=0.0, max_value=1.0,
            help="Chance of a new incident within the outcome window, from the stored model"),
        "Main factors": st.column_config.TextColumn(
            width="large", help="What moves this person's risk most, compared with a typical "
                                "person on the list"),
        "Ladder": st.column_config.TextColumn(help="The highest step taken so far"),
    })

if not shown.empty:
    st.subheader("One person")
    labels = dict(zip(shown["person_id"], view["Person"], strict=True))
    pid = st.selectbox("Person", list(labels), format_func=labels.get, key="op_person")
    row = shown.set_index("person_id").loc[pid]
    audit_view(viewer, TITLE, pid)
    a, b = st.columns([2, 1])
    with a:
        if pd.notna(row["risk"]):
            st.markdown(f"**Risk {row['risk']:.0%} ({row['band']})**, because:")
            factors = row["factors"] if isinstance(row["factors"], list | tuple) else []
            st.markdown("\n".join(f"- {f}" for f in factors) or "- no single factor stands out: "
                        "this person is close to typical for the list")
        st.markdown(f"Ladder: **{row['ladder_step'] or 'no action yet'}**; last action "
                    f"{row['last_action'] or 'none'}"
                    + (f" on {row['last_action_date']:%d %b %Y}" if pd.notna(
                        row["last_action_date"]) else ""))
        if row["support_needs"]:
            st.markdown(f"Support needs noted: {row['support_needs']}")
    with b:
        open_person(pid, "perpetrator", "op_open_profile", "Open the perpetrator profile")

st.divider()
if st.button("Record this panel", key="op_record", type="primary",
             help="Keeps the list as it stands now (everyone on it, whatever the filters), so the "
                  "next panel sees what changed"):
    snapshot = od.record_panel(table, viewer.username)
    audit(viewer, "record panel", TITLE, f"snapshot {snapshot}")
    st.success(f"Panel recorded ({len(table):,} people). The next panel will show changes "
               "against it.", icon=":material/check:")

with st.expander("Model card: what the risk model is, how well it works, its limits"):
    card = DOCS_DIR / "model-card.md"
    text = card.read_text(encoding="utf-8") if card.exists() else "Model card missing."
    for part in re.split(r"^!\[[^\]]*\]\(([^)]+)\)\s*$", text, flags=re.MULTILINE):
        image = DOCS_DIR / part.strip()
        if part.strip().endswith(".png") and image.exists():
            st.image(str(image))  # the card's figures, drawn by benchmarks/reoffending.py
        elif part.strip():
            st.markdown(part)
about("methods.md", "Reoffending risk model", "About this analysis")
