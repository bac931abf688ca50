"""``make deploy-local``'s rehearsal of the example stacks, on the integration suite's moto server.

One moto server and one ``cdk bootstrap`` per session serve both (the rehearsal used to start its
own in a subprocess), and the example app deployed is the session's synthesis (``tests/harness``).
"""

from __future__ import annotations

import pytest

from scripts.deploy_local import rehearse, report
from tests.harness import SynthResult
from tests.integ.target import offline_only

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow, offline_only]


def test_network_and_procurement_stacks_deploy_to_moto(moto_endpoint: str, synth: SynthResult) -> None:
    statuses, skipped, templates = rehearse(
        ["ButtressNetwork", "ButtressProcurement"], endpoint=moto_endpoint, assembly=synth.outdir
    )
    assert statuses == {
        "CDKToolkit": "CREATE_COMPLETE",
        "ButtressNetwork": "CREATE_COMPLETE",
        "ButtressProcurement": "CREATE_COMPLETE",
    }
    kinds = {(s.stack, s.type_) for s in skipped}
    assert ("ButtressNetwork", "Custom::VpcRestrictDefaultSG") in kinds
    assert ("ButtressProcurement", "AWS::SNS::Subscription") in kinds  # moto's CloudFormation has no model
    assert "accepted by moto but NOT created" in report(statuses, skipped, templates)
