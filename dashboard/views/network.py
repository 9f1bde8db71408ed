"""Network: the people and places connected to a chosen person or place through the incidents
they share, so a problem-solving forum sees the whole victim-offender-location triangle.
A person-level page, role-gated and audited."""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import victims_data as vd  # noqa: E402
from dashboard.auth import audit_view  # noqa: E402
from dashboard.vol_widgets import pick_person, pick_place  # noqa: E402
from pipelines.analysis.vol import layout  # noqa: E402

TITLE = "Network"
COLOURS = {"victim": "#1f77b4", "perpetrator": "#d62728", "victim and perpetrator": "#9467bd",
           "witness": "#7f7f7f", "": "#7f7f7f", "place": "#2ca02c"}

st.title(TITLE)
start = st.session_state.pop("vol_start", None)
if start is not None:
    kind, ref = start.split(":", 1)
    st.session_state["net_kind"] = "a place" if kind == "place" else "a person"
    st.session_state["vol_place" if kind == "place" else "vol_person"] = ref
kind = st.radio("Start from", ["a person", "a place"], key="net_kind", horizontal=True)
chosen = pick_person("net") if kind == "a person" else pick_place("net")
if chosen is None:
    st.stop()
start_node = f"{'person' if kind == 'a person' else 'place'}:{chosen}"
depth = st.slider("Steps out", min_value=1, max_value=3, value=1, key="net_depth",
                  help="One step: the person's places and the people on their incidents. Two "
                       "steps: theirs too. Names are written for the first step and for "
                       "perpetrators; hover over any point for the rest.")
audit_view(viewer, TITLE, start_node)
net = vd.network(start_node, depth)
nodes, edges = net.nodes, net.edges
people = nodes[nodes["kind"] == "person"]
c1, c2, c3 = st.columns(3)
c1.metric("People", f"{len(people):,}")
c2.metric("Places", f"{int((nodes['kind'] == 'place').sum()):,}")
c3.metric("Victim–perpetrator links", f"{int((edges['kind'] == 'victim-perpetrator').sum()):,}")
both = people[people["roles"] == "victim and perpetrator"]
if not both.empty:
    st.warning(f"{len(both)} people here are both victim and perpetrator (possible "
               f"counter-allegations): {', '.join(both['label'])}.", icon=":material/sync_alt:")

pos = layout(nodes["node_id"].tolist(), edges, seed=1)
fig = go.Figure()
for kind_name, dash in (("victim-perpetrator", "solid"), ("co-involved", "dot"),
                        ("person-place", "dash")):
    sel = edges[edges["kind"] == kind_name]
    xs, ys = [], []
    for s, t in zip(sel["source"], sel["target"], strict=True):
        xs += [pos[s][0], pos[t][0], None]
        ys += [pos[s][1], pos[t][1], None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=kind_name, hoverinfo="skip",
                                 line=dict(width=1, color="#999999", dash=dash)))
for group, frame in nodes.assign(group=nodes["roles"].where(nodes["kind"] == "person",
                                                             "place")).groupby("group"):
    fig.add_trace(go.Scatter(
        x=[pos[n][0] for n in frame["node_id"]], y=[pos[n][1] for n in frame["node_id"]],
        mode="markers+text", name=group or "other",
        text=[str(label)[:28] if hops <= 1 or kind == "person" and group != "victim" else ""
              for label, hops, kind in zip(frame["label"], frame["hops"], frame["kind"],
                                           strict=True)],
        textposition="top center", hovertext=[f"{r.label} ({r.incidents} incidents)"
                                              for r in frame.itertuples()],
        marker=dict(size=[22 if n == start_node else 12 for n in frame["node_id"]],
                    symbol="square" if group == "place" else "circle",
                    color=COLOURS.get(group, "#7f7f7f"))))
fig.update_layout(height=560, margin=dict(l=0, r=0, t=10, b=0), xaxis_visible=False,
                  yaxis_visible=False, legend_title_text="")
st.plotly_chart(fig, key="net_chart")
st.subheader("People and places")
st.dataframe(nodes, hide_index=True, key="net_nodes")
st.subheader("Links")
st.dataframe(edges, hide_index=True, key="net_edges")
