"""Tools that read a synthesized cloud assembly (``cdk.out``): routing, cost, review."""
