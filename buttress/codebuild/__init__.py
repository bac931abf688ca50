"""``VpcCodeBuild``: a CodeBuild project inside a VPC that reaches private resources.

One module per concern: :mod:`.project` (the construct), :mod:`.props` (its props as given and
checked), :mod:`.checks`, :mod:`.network`, :mod:`.storage`, :mod:`.build` and
:mod:`.compliance` (the findings it acknowledges).
"""

from buttress.codebuild.network import CAPACITY_WARNING_ID, ENI_ACTIONS
from buttress.codebuild.project import VpcCodeBuild
from buttress.codebuild.props import DEFAULT_ARTIFACT_EXPIRATION, VpcCodeBuildProps

__all__ = ["CAPACITY_WARNING_ID", "DEFAULT_ARTIFACT_EXPIRATION", "ENI_ACTIONS", "VpcCodeBuild", "VpcCodeBuildProps"]
