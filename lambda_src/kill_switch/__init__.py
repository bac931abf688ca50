"""The budget kill-switch's Lambda code (handlers ``kill_switch.engage.handler`` and ``kill_switch.restore.handler``).

Standard library and boto3 only; modules import each other relatively, so the package works as
``kill_switch`` in Lambda and as ``buttress._lambda_src.kill_switch`` where buttress is installed.
"""
