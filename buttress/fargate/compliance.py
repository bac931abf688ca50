"""The cdk-nag and cfn-guard rules the service legitimately does not meet, each on its resource with the reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from buttress.fargate import image_parameter
from buttress.parts import nag

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked


def acknowledge_task(definition: ecs.FargateTaskDefinition, checked: Checked) -> None:
    """Task-level rules: also on a service that shares another's load balancer."""
    image_parameter.acknowledge_pull(definition, checked)
    if definition.execution_role is not None:
        nag.acknowledge_rule(
            definition.execution_role,
            "IAMNoInlinePolicy",
            "aws-cdk-lib's task execution role with one policy: pull this task's images, write its log group, "
            "read its secrets; a customer-managed policy would be a reusable object nothing else should attach.",
        )
    nag.acknowledge_rule(
        definition,
        "",
        "On Fargate the task's memory (memory_mib) is the hard limit its containers share and ECS enforces; "
        "a per-container limit would only split it.",
        guard=["ecs_task_definition_memory_hard_limit_check"],
    )
    task = checked.task
    image_dependent = [
        *([] if task.user else ["ecs_task_definition_nonroot_user_check"]),
        *([] if task.read_only_root_filesystem else ["ecs_containers_readonly_access_check"]),
    ]
    if image_dependent:
        nag.acknowledge_rule(
            definition,
            "",
            "Whether a container can run as a non-root user with a read-only root filesystem depends on its "
            "image (nginx binds port 80 as root); set `user` and `read_only_root_filesystem` (with "
            "`writable_paths`) for images that support it.",
            guard=image_dependent,
        )


def acknowledge_load_balancer(
    load_balancer: elbv2.ApplicationLoadBalancer,
    redirect_listener: elbv2.ApplicationListener | None,
    web_acl_arn: str | None,
    checked: Checked,
) -> None:
    """Load-balancer rules: only on the service that owns the load balancer."""
    plain = checked.plain
    if redirect_listener is not None:
        nag.acknowledge_rule(
            redirect_listener,
            "ELBv2ACMCertificateRequired",
            "This listener answers plain HTTP only with a permanent redirect to the HTTPS listener, which "
            "uses the ACM certificate; it forwards nothing.",
        )
    if web_acl_arn is None:
        nag.acknowledge_rule(
            load_balancer,
            "ALBWAFEnabled",
            "An internal load balancer is reachable only from inside the VPC; a WAF web ACL is for internet traffic."
            if plain.internal
            else f"No WAF by explicit choice (waf=Waf.none): {checked.waf.reason}",
        )
    if not plain.deletion_protection:
        nag.acknowledge_rule(
            load_balancer,
            "ELBDeletionProtectionEnabled",
            "deletion_protection is off by default so the stack can be torn down; the load balancer holds no "
            "data (re-creating it changes its DNS name). Turn it on for long-lived environments.",
            guard=["elbv2_deletion_protection_enabled_check"],
        )
