"""Generated documentation is current: diagrams, README diagram and cost blocks, API reference; versions agree."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import buttress
from scripts import api_docs, diagrams, readme_cost
from tests.harness import SynthResult

REPO = Path(__file__).resolve().parent.parent
REGENERATE = "run `make docs` (diagrams, README cost table, API reference) and commit the result"


def test_committed_diagrams_are_what_the_templates_generate(synth: SynthResult) -> None:
    expected = diagrams.render_all(synth.normalized)
    committed = {p.name: p.read_text() for p in diagrams.DIAGRAM_DIR.glob("*.svg")}
    assert sorted(committed) == sorted(expected), REGENERATE
    stale = [name for name in expected if committed[name] != expected[name]]
    assert stale == [], REGENERATE


def test_readme_shows_every_diagram(synth: SynthResult) -> None:
    readme = (REPO / "README.md").read_text()
    assert diagrams.with_readme_block(readme, list(synth.normalized)) == readme, REGENERATE
    for stack in synth.normalized:
        assert f"(docs/diagrams/{stack}.svg)" in readme


def test_readme_cost_table_is_what_make_cost_prints(synth: SynthResult) -> None:
    """The README's cost table is ``buttress.tools.cost`` over the example app's synthesis (as ``make cost``)."""
    readme = (REPO / "README.md").read_text()
    assert readme_cost.with_table(readme, synth.outdir) == readme, REGENERATE


def test_diagram_draws_every_resource_but_glue(synth: SynthResult) -> None:
    for stack, template in synth.normalized.items():
        graph = diagrams.build_graph(stack, template)
        drawn = {k for k in graph.nodes if not k.startswith("import:")}
        glue = {k for k, r in template["Resources"].items() if r["Type"] in diagrams.HIDDEN_TYPES}
        assert drawn | glue == set(template["Resources"])
        svg = diagrams.render_svg(stack, template)
        assert svg.startswith("<svg ") and svg.count("<rect ") == len(graph.nodes) + 1


def test_diagram_edges_follow_references() -> None:
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC"},
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "DependsOn": "Vpc",
                "Properties": {"Vpc": {"Fn::GetAtt": ["Sg", "GroupId"]}, "T": {"Fn::Sub": "${Vpc.CidrBlock}"}},
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"X": {"Fn::ImportValue": "Other:Out"}}},
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"X": {"Fn::GetStackOutput": {"StackName": "Other", "OutputName": "Out2"}}},
            },
        }
    }
    graph = diagrams.build_graph("S", template)
    assert graph.edges == {
        ("Vpc", "Sg", False),
        ("Sg", "Fn", False),
        ("Vpc", "Fn", False),
        ("import:Other", "Topic", False),
        ("import:Other", "Queue", False),
    }
    diagrams.reduce_edges(graph)
    assert ("Vpc", "Fn", False) not in graph.edges  # implied by Vpc -> Sg -> Fn
    diagrams.layout(graph)
    assert [graph.nodes[k].depth for k in ("Vpc", "Sg", "Fn")] == [0, 1, 2]


def test_api_reference_is_current() -> None:
    assert api_docs.API_MD.read_text() == api_docs.document(), REGENERATE


@pytest.mark.parametrize("name", sorted(buttress.__all__))
def test_public_api_is_documented(name: str) -> None:
    """Every public name has a docstring; every construct prop is a documented ``:param``."""
    obj = getattr(buttress, name)
    assert inspect.getdoc(obj), f"{name} has no docstring"
    if inspect.isclass(obj) and not issubclass(obj, BaseException):
        params = inspect.signature(obj.__init__).parameters.values()
        props = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
        doc = obj.__doc__ or ""
        missing = [p for p in props if f":param {p}:" not in doc]
        assert missing == [], f"{name}: props without a ':param <name>:' in the class docstring"
