"""The jsii floor: a CDK app with one SNS topic, synthesized in a fresh process."""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns

if __name__ == "__main__":
    app = App()
    stack = Stack(app, "BenchOneTopic")
    sns.Topic(stack, "Topic")
    app.synth()
