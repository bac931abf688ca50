"""Build and synthesize the example app twice in one process; print the second round's seconds.

The second round runs with jsii and Node warm (classes loaded, aws-cdk-lib modules required,
the validation engine built): what is left is buttress's and the stacks' own work.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

if __name__ == "__main__":
    from app import build_app

    for _round in range(2):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            build_app(outdir=out).synth()
            elapsed = time.perf_counter() - start
    print(f"{elapsed:.3f}")
