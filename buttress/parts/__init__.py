"""CDK building blocks the constructs share (assets, log buckets, cdk-nag acknowledgements, VPC input)."""
