"""``python -m buttress.review BASE HEAD``: the same as ``buttress-review`` (:mod:`buttress.tools.review`)."""

from __future__ import annotations

from buttress.tools.review import main

if __name__ == "__main__":
    raise SystemExit(main())
