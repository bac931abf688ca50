"""Pure rules: the checks and arithmetic behind the constructs, with no CDK import.

Each module is testable without synthesizing; constructs call them before building anything.
"""
