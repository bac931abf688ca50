"""The domain and its certificate: DNS names, hosted zones, ACM certificate names and regions.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from buttress.errors import invalid
from buttress.rules import props

_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$")


def check_domain_name(prop: str, value: object) -> str:
    """A fully qualified DNS name (``www.example.com``), lower-cased, without a trailing dot."""
    name = props.string(prop, value).lower().removesuffix(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise invalid(
            prop,
            value,
            "a DNS name such as www.example.com: at least two labels of letters, digits and '-' "
            "(no wildcard), each at most 63 characters, 253 in all",
        )
    return name


def check_domain_in_zone(domain_name: str, zone_name: str) -> None:
    """``domain_name`` is the zone's apex or a name under it (records exist only inside their zone)."""
    zone = zone_name.lower().removesuffix(".")
    if domain_name != zone and not domain_name.endswith("." + zone):
        raise invalid(
            "domain_name", domain_name, f"a name in hosted_zone {zone!r} (equal to it or ending in '.{zone}')"
        )


def certificate_covers(names: Sequence[str], domain_name: str) -> bool:
    """Whether a certificate for ``names`` (wildcards like ``*.example.com`` included) is valid for ``domain_name``."""
    for raw in names:
        name = raw.lower().removesuffix(".")
        if name == domain_name:
            return True
        if name.startswith("*.") and domain_name.partition(".")[2] == name[2:]:
            return True
    return False


def check_certificate_domain(names: Sequence[str], domain_name: str) -> None:
    """The certificate's names cover ``domain_name``, or clients would fail TLS verification."""
    if not certificate_covers(names, domain_name):
        raise invalid(
            "certificate",
            list(names),
            f"a certificate whose name or alternative names cover domain_name {domain_name!r} "
            "(the exact name, or a wildcard one level above it)",
        )


def certificate_region(arn: str) -> str | None:
    """The region of an ACM certificate ARN; ``None`` when ``arn`` is not an ACM certificate ARN."""
    match = _ACM_ARN.match(arn)
    return match.group(1) if match else None


def check_certificate_arn(arn: str, stack_region: str | None) -> None:
    """An ACM certificate ARN, in the stack's region when that is known (ALB listeners use regional certificates)."""
    region = certificate_region(arn)
    if region is None:
        raise invalid("certificate", arn, "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)")
    if stack_region is not None and region != stack_region:
        raise invalid(
            "certificate",
            arn,
            f"a certificate in the stack's region ({stack_region}), not {region}: a load balancer can only use "
            f"ACM certificates of its own region (us-east-1 certificates elsewhere serve CloudFront only)",
        )


@dataclass(frozen=True)
class DomainSpec:
    """The checked domain props: the name callers use, and whether the construct issues its certificate."""

    domain_name: str | None
    creates_certificate: bool
    creates_records: bool


def check_domain(
    *,
    domain_name: object,
    has_hosted_zone: bool,
    zone_name: str | None,
    zone_is_private: bool,
    has_certificate: bool,
    https: bool,
) -> DomainSpec:
    """``domain_name`` with ``hosted_zone`` (alias records; a DNS-validated certificate unless one is given).

    ``zone_name`` is ``None`` when not known at synth (a zone imported by id only).
    """
    if domain_name is None:
        if has_hosted_zone:
            raise invalid("hosted_zone", "given", "only with domain_name (the name its alias records get)")
        return DomainSpec(None, creates_certificate=False, creates_records=False)
    name = check_domain_name("domain_name", domain_name)
    if zone_name is not None:
        check_domain_in_zone(name, zone_name)
    creates_certificate = https and not has_certificate
    if creates_certificate and not has_hosted_zone:
        raise invalid(
            "domain_name",
            name,
            "with hosted_zone (to validate its certificate in DNS and hold the alias records), "
            "or with certificate when the DNS is managed elsewhere",
        )
    if creates_certificate and zone_is_private:
        raise invalid(
            "hosted_zone",
            zone_name,
            "a public hosted zone when the certificate is issued here (ACM validates through public DNS); "
            "with a private zone, give certificate",
        )
    return DomainSpec(name, creates_certificate=creates_certificate, creates_records=has_hosted_zone)
