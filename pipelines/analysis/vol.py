"""Victim, offender and location (VOL): the three sides of a problem, seen from any one.

Pure functions over the person-level marts:

- :func:`escalation_ladder`: how far up the configured ladder of tools and powers the actions
  aimed at a person have gone (advice, warning, ABC, CPW, CPN, injunction, CBO, closure);
- :func:`peak_times`: reports by day of week and time of day, for a place or a person;
- :func:`network` and :func:`layout`: the people and places connected to a chosen person or
  place, through the incidents they share, so a forum sees the whole triangle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._common import AnalysisProblem, require_columns

__all__ = [
    "ladder_from_config",
    "escalation_ladder",
    "peak_times",
    "TIME_BANDS",
    "Network",
    "network",
    "layout",
]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Time-of-day bands used by :func:`peak_times` (start hour inclusive, end hour exclusive).
TIME_BANDS = (("night 00-06", 0, 6), ("morning 06-12", 6, 12), ("afternoon 12-18", 12, 18),
              ("evening 18-24", 18, 24))


def ladder_from_config(config: Mapping[str, Any]) -> pd.DataFrame:
    """The escalation ladder: one row per rung (configured ``rank``), lowest first.

    Support steps are not rungs (they are listed as support needs instead).

    Examples
    --------
    >>> from pipelines.config import load_config
    >>> ladder = ladder_from_config(load_config())
    >>> ladder.iloc[0]["actions"][:1], int(ladder.iloc[-1]["rank"])
    (['words of advice'], 7)
    """
    rows: dict[int, list[str]] = {}
    for a in config.get("actions") or []:
        if a.get("group") == "support":
            continue
        rows.setdefault(int(a.get("rank", 0)), []).append(str(a["name"]))
    return pd.DataFrame({"rank": list(rows), "actions": list(rows.values())}).sort_values(
        "rank").reset_index(drop=True)


def escalation_ladder(actions: pd.DataFrame, ladder: pd.DataFrame) -> pd.DataFrame:
    """Each rung of the ladder and when the person first reached it.

    Parameters
    ----------
    actions : DataFrame
        Actions aimed at one person: ``action``, ``action_date``, ``escalation_rank``.
    ladder : DataFrame
        From :func:`ladder_from_config`.

    Returns
    -------
    DataFrame
        ``rank``, ``rung`` (the rung's actions, " / "-joined), ``reached`` (true once any
        action of the rung or a higher one has been used), ``first_used`` (first date an
        action of this rung was used), ``times`` and ``used`` (the actions used, with dates).

    Examples
    --------
    >>> ladder = pd.DataFrame({"rank": [1, 2, 3], "actions": [["advice"], ["warning"], ["ABC"]]})
    >>> acts = pd.DataFrame({"action": ["ABC"], "action_date": [pd.Timestamp("2022-01-02")],
    ...                      "escalation_rank": [3]})
    >>> escalation_ladder(acts, ladder)[["rank", "reached", "times"]].values.tolist()
    [[1, True, 0], [2, True, 0], [3, True, 1]]
    """
    require_columns(actions, ["action", "action_date", "escalation_rank"], "an escalation ladder")
    on_ladder = {a for rung in ladder["actions"] for a in rung}
    acts = actions.dropna(subset=["escalation_rank"])
    acts = acts[acts["action"].isin(on_ladder)].sort_values("action_date")
    top = int(acts["escalation_rank"].max()) if not acts.empty else 0
    rows = []
    for rung in ladder.itertuples(index=False):
        mine = acts[acts["action"].isin(rung.actions)]
        rows.append({
            "rank": int(rung.rank),
            "rung": " / ".join(rung.actions),
            "reached": int(rung.rank) <= top,
            "first_used": mine["action_date"].min() if not mine.empty else pd.NaT,
            "times": len(mine),
            "used": "; ".join(f"{a} ({pd.Timestamp(d):%d/%m/%Y})"
                              for a, d in zip(mine["action"], mine["action_date"], strict=True)),
        })
    return pd.DataFrame(rows, columns=["rank", "rung", "reached", "first_used", "times", "used"])


def peak_times(incidents: pd.DataFrame, column: str = "occurred_at") -> pd.DataFrame:
    """Reports by day of week (rows, Monday first) and time-of-day band (columns).

    Incidents without a time are left out.

    Examples
    --------
    >>> t = peak_times(pd.DataFrame({"occurred_at": pd.to_datetime(
    ...     ["2022-01-07 22:00", "2022-01-07 23:30", "2022-01-08 09:00"])}))
    >>> int(t.loc["Friday", "evening 18-24"]), int(t.values.sum())
    (2, 3)
    """
    require_columns(incidents, [column], "peak times")
    when = pd.to_datetime(incidents[column]).dropna()
    table = pd.DataFrame(0, index=list(_DAYS), columns=[b[0] for b in TIME_BANDS], dtype=int)
    for name, lo, hi in TIME_BANDS:
        sel = when[(when.dt.hour >= lo) & (when.dt.hour < hi)]
        counts = sel.dt.dayofweek.value_counts()
        for day, n in counts.items():
            table.loc[_DAYS[int(day)], name] = int(n)
    return table


@dataclass(frozen=True)
class Network:
    """People and places connected to a starting node.

    ``nodes``: ``node_id`` (``person:<id>`` or ``place:<location_key>``), ``kind``
    (person / place), ``ref`` (the person_id or location key), ``label``, ``roles`` (victim,
    perpetrator, both, witness; blank for places), ``incidents`` (shared incidents seen),
    ``hops`` (distance from the start). ``edges``: ``source``, ``target``, ``kind``
    (``person-place`` or ``victim-perpetrator`` or ``co-involved``), ``incidents``.
    """

    start: str
    nodes: pd.DataFrame
    edges: pd.DataFrame


def _role_word(roles: set[str]) -> str:
    victim = bool(roles & {"victim", "complainant"})
    perp = bool(roles & {"suspect", "perpetrator"})
    if victim and perp:
        return "victim and perpetrator"
    if perp:
        return "perpetrator"
    if victim:
        return "victim"
    return "witness" if "witness" in roles else ""


def network(involvement: pd.DataFrame, start: str, depth: int = 2, *,
            labels: Mapping[str, str] | None = None, max_nodes: int = 150) -> Network:
    """The people and places within ``depth`` hops of ``start``.

    Parameters
    ----------
    involvement : DataFrame
        Person-incident rows: ``person_id``, ``incident_id``, ``role``, ``location_key``,
        ``location_text`` (``mart_person_incident``).
    start : str
        ``person:<person_id>`` or ``place:<location_key>``.
    depth : int
        Hops: a person's places and the people on their incidents are one hop away.
    labels : mapping, optional
        person_id -> name to show.
    max_nodes : int
        Stop expanding once this many nodes are found (the nearest are kept).

    Examples
    --------
    >>> inv = pd.DataFrame({"person_id": ["V", "P", "V2"], "incident_id": ["i1", "i1", "i2"],
    ...     "role": ["victim", "suspect", "victim"], "location_key": ["k1", "k1", "k1"],
    ...     "location_text": ["1 High St"] * 3})
    >>> net = network(inv, "person:V", depth=1)
    >>> sorted(net.nodes["node_id"])
    ['person:P', 'person:V', 'place:k1']
    >>> sorted(network(inv, "person:V", depth=2).nodes["node_id"])
    ['person:P', 'person:V', 'person:V2', 'place:k1']
    """
    require_columns(involvement, ["person_id", "incident_id", "role", "location_key"],
                    "a network view")
    if depth < 1:
        raise AnalysisProblem(f"depth must be at least 1 (got {depth})")
    if not (start.startswith("person:") or start.startswith("place:")):
        raise AnalysisProblem(f"start {start!r}: expected person:<id> or place:<location key>")
    inv = involvement.copy()
    inv["person_node"] = "person:" + inv["person_id"].astype(str)
    inv["place_node"] = np.where(inv["location_key"].notna(),
                                 "place:" + inv["location_key"].astype(str), None)
    by_person = inv.groupby("person_node")
    by_place = inv[inv["place_node"].notna()].groupby("place_node")
    hops = {start: 0}
    frontier = [start]
    for hop in range(1, depth + 1):
        found: list[str] = []
        for node in frontier:
            if node.startswith("person:"):
                if node not in by_person.groups:
                    continue
                rows = by_person.get_group(node)
                nbrs = list(rows["place_node"].dropna().unique())
                shared = inv[inv["incident_id"].isin(rows["incident_id"])]
                nbrs += list(shared["person_node"].unique())
            else:
                if node not in by_place.groups:
                    continue
                nbrs = list(by_place.get_group(node)["person_node"].unique())
            for n in nbrs:
                if n not in hops and len(hops) < max_nodes:
                    hops[n] = hop
                    found.append(n)
        frontier = found
        if not frontier:
            break
    if start not in by_person.groups and start not in by_place.groups:
        raise AnalysisProblem(f"{start}: nobody is recorded in any incident there")
    chosen = set(hops)
    sub = inv[inv["person_node"].isin(chosen)]
    # person-place edges
    pp = sub[sub["place_node"].isin(chosen)].groupby(["person_node", "place_node"]).agg(
        incidents=("incident_id", "nunique")).reset_index()
    pp = pp.rename(columns={"person_node": "source", "place_node": "target"})
    pp["kind"] = "person-place"
    # person-person edges through shared incidents
    pairs = sub.merge(sub, on="incident_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["person_node_a"] < pairs["person_node_b"]]
    victim_roles, perp_roles = {"victim", "complainant"}, {"suspect", "perpetrator"}
    vp = (pairs["role_a"].isin(victim_roles) & pairs["role_b"].isin(perp_roles)) | (
        pairs["role_a"].isin(perp_roles) & pairs["role_b"].isin(victim_roles))
    pairs = pairs.assign(kind=np.where(vp, "victim-perpetrator", "co-involved"))
    pe = pairs.groupby(["person_node_a", "person_node_b"]).agg(
        incidents=("incident_id", "nunique"),
        kind=("kind", lambda k: "victim-perpetrator" if (k == "victim-perpetrator").any()
              else "co-involved")).reset_index()
    pe = pe.rename(columns={"person_node_a": "source", "person_node_b": "target"})
    edges = pd.concat([pp[["source", "target", "kind", "incidents"]],
                       pe[["source", "target", "kind", "incidents"]]], ignore_index=True)
    nodes = []
    names = labels or {}
    place_text = inv.dropna(subset=["place_node"]).drop_duplicates("place_node").set_index(
        "place_node")["location_text"] if "location_text" in inv else pd.Series(dtype=str)
    for node, hop in sorted(hops.items(), key=lambda kv: (kv[1], kv[0])):
        if node.startswith("person:"):
            rows = by_person.get_group(node) if node in by_person.groups else inv.iloc[0:0]
            ref = node.split(":", 1)[1]
            nodes.append({"node_id": node, "kind": "person", "ref": ref,
                          "label": names.get(ref, ref), "roles": _role_word(set(rows["role"])),
                          "incidents": int(rows["incident_id"].nunique()), "hops": hop})
        else:
            rows = by_place.get_group(node) if node in by_place.groups else inv.iloc[0:0]
            ref = node.split(":", 1)[1]
            text = place_text.get(node)
            nodes.append({"node_id": node, "kind": "place", "ref": ref,
                          "label": text if isinstance(text, str) else ref, "roles": "",
                          "incidents": int(rows["incident_id"].nunique()), "hops": hop})
    return Network(start, pd.DataFrame(nodes), edges.reset_index(drop=True))


def layout(nodes: Sequence[str], edges: pd.DataFrame, *, seed: int = 0,
           iterations: int = 200) -> dict[str, tuple[float, float]]:
    """Positions for drawing: a seeded force-directed layout (Fruchterman and Reingold 1991).

    Examples
    --------
    >>> pos = layout(["a", "b", "c"], pd.DataFrame({"source": ["a"], "target": ["b"]}))
    >>> sorted(pos) == ["a", "b", "c"] and pos == layout(["a", "b", "c"],
    ...     pd.DataFrame({"source": ["a"], "target": ["b"]}))
    True
    """
    names = list(nodes)
    n = len(names)
    if n == 0:
        return {}
    if n == 1:
        return {names[0]: (0.0, 0.0)}
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, size=(n, 2))
    index = {name: i for i, name in enumerate(names)}
    e = [(index[s], index[t]) for s, t in zip(edges["source"], edges["target"], strict=True)
         if s in index and t in index]
    src = np.array([a for a, _ in e], dtype=int)
    dst = np.array([b for _, b in e], dtype=int)
    k = np.sqrt(4.0 / n)
    temperature = 0.2
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        force = (k * k / dist**2)[..., None] * delta
        disp = force.sum(axis=1)
        if len(e):
            d = pos[src] - pos[dst]
            dl = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            pull = (dl / k)[:, None] * d
            np.add.at(disp, src, -pull)
            np.add.at(disp, dst, pull)
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature *= 0.98
    return {name: (float(pos[i, 0]), float(pos[i, 1])) for i, name in enumerate(names)}
