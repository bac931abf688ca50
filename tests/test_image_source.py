"""buttress-review says when a task definition's image source changes (issue 26 item 2)."""

from __future__ import annotations

from typing import Any

from buttress.tools.image_source import IMAGE_SOURCE, image_source_changes, image_sources
from buttress.tools.template_diff import diff_templates

SSM_PARAMETER = {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/web/image-tag"}


def _template(image: Any, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Parameters": parameters or {},
        "Resources": {
            "Task": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {"ContainerDefinitions": [{"Name": "app", "Image": image}]},
            }
        },
    }


FIXED = _template("public.ecr.aws/nginx/nginx:stable")
FROM_CI = _template(
    {"Fn::Join": ["", ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:", {"Ref": "TagParam"}]]},
    {"TagParam": SSM_PARAMETER},
)
ASSET = _template(
    {"Fn::Sub": "111122223333.dkr.ecr.${AWS::Region}.amazonaws.com/cdk-hnb659fds-container-assets:" + "a" * 64}
)


def test_each_source_is_named() -> None:
    assert image_sources(FIXED, "Task") == {"app": "fixed in the template"}
    assert image_sources(FROM_CI, "Task")["app"].startswith("SSM parameter /web/image-tag")
    assert image_sources(ASSET, "Task")["app"].startswith("CDK asset")
    assert image_sources(FIXED, "Missing") == {}


def test_moving_to_ci_images_is_a_review_caution() -> None:
    assert image_source_changes(FIXED, FIXED, "Task") == []
    (change,) = diff_templates("Web", FIXED, FROM_CI)
    (caution,) = [c for c in change.cautions if c.kind == IMAGE_SOURCE]
    assert "app: fixed in the template -> SSM parameter /web/image-tag" in caution.why


def test_a_new_tag_in_the_same_source_is_no_caution() -> None:
    other = _template("public.ecr.aws/nginx/nginx:mainline")
    (change,) = diff_templates("Web", FIXED, other)
    assert not [c for c in change.cautions if c.kind == IMAGE_SOURCE]
