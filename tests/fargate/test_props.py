"""AlbFargateServiceProps agrees with AlbFargateService's keyword arguments: the one prop mechanism stays honest."""

from __future__ import annotations

import dataclasses
import inspect

from buttress.fargate import AlbFargateService, AlbFargateServiceProps


def _keyword_parameters() -> dict[str, inspect.Parameter]:
    parameters = inspect.signature(AlbFargateService.__init__).parameters.values()
    return {p.name: p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_the_props_fields_are_the_keyword_only_parameters_in_order() -> None:
    fields = [field.name for field in dataclasses.fields(AlbFargateServiceProps)]
    assert fields == list(_keyword_parameters())


def test_the_props_defaults_are_the_parameters_defaults() -> None:
    parameters = _keyword_parameters()
    for field in dataclasses.fields(AlbFargateServiceProps):
        parameter = parameters[field.name]
        if field.default is dataclasses.MISSING:
            assert parameter.default is inspect.Parameter.empty, field.name
            continue
        # The same object (Duration defaults are shared constants), or an equal plain value.
        assert parameter.default is field.default or parameter.default == field.default, field.name


def test_the_props_types_are_the_parameters_types() -> None:
    parameters = _keyword_parameters()
    for field in dataclasses.fields(AlbFargateServiceProps):
        assert str(field.type) == str(parameters[field.name].annotation), field.name


def test_the_load_balancer_and_route_props_name_real_fields_with_their_defaults() -> None:
    fields = {field.name: field for field in dataclasses.fields(AlbFargateServiceProps)}
    props = AlbFargateServiceProps(vpc=object())  # type: ignore[arg-type]  # no check runs here
    for name, value, default in props.load_balancer_props():
        assert value is fields[name].default and default is fields[name].default, name
    for name, value in props.route_props():
        assert value is fields[name].default is None, name
