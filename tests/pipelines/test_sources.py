"""Mappings are checked when they are read: date formats, names of their own, no --source."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import ConfigProblem
from pipelines.sources import SOURCES_DIR, load_mapping, resolve_source

MAPPING = """template: incidents
agency: Foo
columns:
  source_ref: Ref
  reported_at: Logged
"""


def mapping(folder: Path, text: str, name: str = "m.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("formats", "problem"), [
    ('["%Q/%m"]', "'%Q/%m' is not a valid date format (unrecognized format for "
                  "strftime/strptime: %Q)"),
    ('["%d/%m/%Y", "%d/%m/%"]', "'%d/%m/%' is not a valid date format (trailing format "
                                "character %)"),
])
def test_a_bad_date_format_is_refused_when_the_mapping_is_read(tmp_path, formats, problem):
    path = mapping(tmp_path, MAPPING + f"name: x\ndates:\n  formats: {formats}\n")
    with pytest.raises(ConfigProblem) as info:
        load_mapping(path)
    assert str(info.value) == (f"{path}: dates.formats {problem}; use strftime codes such as "
                               "%d/%m/%Y %H:%M")


def test_good_date_formats_are_kept(tmp_path):
    path = mapping(tmp_path, MAPPING + 'name: x\ndates:\n  formats: ["%m/%d/%Y %H:%M", "%-d/%-m/%Y"]\n')
    assert load_mapping(path).date_formats == ("%m/%d/%Y %H:%M", "%-d/%-m/%Y")


def test_dates_formats_must_be_a_list_of_patterns(tmp_path):
    path = mapping(tmp_path, MAPPING + "name: x\ndates:\n  formats: {a: b}\n")
    with pytest.raises(ConfigProblem, match="dates.formats must be strftime patterns"):
        load_mapping(path)


@pytest.mark.parametrize(("name", "kind"), [
    ("police-uk", "the police.uk source"),
    ("incidents", "a template"),
    ("cleveland-police-incidents", "a shipped mapping"),
])
def test_a_mapping_may_not_take_another_sources_name(tmp_path, name, kind):
    path = mapping(tmp_path, MAPPING + f"name: {name}\n")
    with pytest.raises(ConfigProblem) as info:
        resolve_source("incidents", path)
    assert str(info.value) == (
        f"{path}: the name '{name}' is taken by {kind}; rename the mapping (its 'name:' line) "
        f"so its rows are not mixed with the rows of '{name}'")


def test_a_mapping_named_by_its_file_may_not_take_a_template_name(tmp_path):
    path = mapping(tmp_path, MAPPING, name="people.yaml")
    with pytest.raises(ConfigProblem) as info:
        load_mapping(path)
    assert str(info.value) == (
        f"{path}: the mapping has no 'name:' line, and its file name 'people' is taken by a "
        "template; give it a name of its own (add a 'name:' line, or rename the file) so its "
        "rows are not mixed with the rows of 'people'")


def test_a_shipped_mapping_keeps_its_own_name():
    for path in sorted(SOURCES_DIR.glob("*.yaml")):
        assert load_mapping(path).name == path.stem
        assert resolve_source(path.stem).name == path.stem
        assert resolve_source("", path).name == path.stem  # as --mapping, without --source


def test_a_mapping_needs_no_source_but_a_wrong_one_is_refused(tmp_path):
    path = mapping(tmp_path, MAPPING + "name: foo-incidents\n")
    assert resolve_source(None, path).name == "foo-incidents"
    assert resolve_source("", path).template.name == "incidents"
    assert resolve_source("foo-incidents", path).name == "foo-incidents"
    with pytest.raises(ConfigProblem, match="maps onto the incidents template, but --source is "
                                            "'people'; use --source incidents"):
        resolve_source("people", path)
    with pytest.raises(ConfigProblem, match=r"^no source given: name one with --source \(one "
                                            r"of police-uk, incidents, "):
        resolve_source("")
