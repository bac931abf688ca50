"""buttress.deprecation: the warning names the old thing, the replacement and the removal version."""

from __future__ import annotations

import warnings

import pytest

from buttress.deprecation import ButtressDeprecationWarning, deprecated, warn_deprecated


@deprecated(replacement="new_area(width, height)", removed_in="0.3.0")
def area(width: int, height: int) -> int:
    """Width times height."""
    return width * height


class Shape:
    @deprecated(replacement="Shape.size", removed_in="1.0.0", name="Shape.dimensions()")
    def dimensions(self) -> tuple[int, int]:
        return (1, 2)


def test_decorated_function_warns_at_the_caller_and_still_works() -> None:
    with pytest.warns(ButtressDeprecationWarning) as caught:
        assert area(2, 3) == 6
    warning = caught[0]
    assert str(warning.message) == (
        "tests.test_deprecation.area is deprecated and will be removed in buttress 0.3.0; "
        "use new_area(width, height) instead"
    )
    assert warning.filename == __file__  # the caller's line, not the decorator's
    message = warning.message
    assert isinstance(message, ButtressDeprecationWarning) and isinstance(message, DeprecationWarning)
    assert (message.old, message.replacement, message.removed_in) == (
        "tests.test_deprecation.area",
        "new_area(width, height)",
        "0.3.0",
    )


def test_decorated_function_keeps_its_name_and_documents_the_deprecation() -> None:
    assert area.__name__ == "area"
    assert area.__doc__ == "Width times height.\n\n.. deprecated:: use new_area(width, height); removed in 0.3.0."
    assert Shape.dimensions.__doc__ == ".. deprecated:: use Shape.size; removed in 1.0.0."


def test_method_with_an_explicit_name() -> None:
    with pytest.warns(
        ButtressDeprecationWarning, match=r"^Shape.dimensions\(\) is deprecated .* 1.0.0; use Shape.size"
    ):
        assert Shape().dimensions() == (1, 2)


def test_warn_deprecated_for_a_prop() -> None:
    def construct(*, ssl_policy: str | None = None) -> None:
        if isinstance(ssl_policy, str):
            warn_deprecated("ssl_policy=str", replacement="ssl_policy=elbv2.SslPolicy", removed_in="0.4.0")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        construct()
        construct(ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert [str(w.message) for w in caught] == [
        "ssl_policy=str is deprecated and will be removed in buttress 0.4.0; use ssl_policy=elbv2.SslPolicy instead"
    ]
    assert caught[0].filename == __file__


def test_error_filter_turns_it_into_an_exception() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(ButtressDeprecationWarning):
            area(1, 1)


@pytest.mark.parametrize(
    ("old", "replacement", "removed_in", "message"),
    [
        ("x", "y", "next", "removed_in='next' is not a version X.Y.Z"),
        ("x", "y", "1.0", "removed_in='1.0' is not a version X.Y.Z"),
        ("", "y", "1.0.0", "names the old thing and its replacement"),
        ("x", "", "1.0.0", "names the old thing and its replacement"),
    ],
)
def test_a_deprecation_must_say_everything(old: str, replacement: str, removed_in: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        warn_deprecated(old, replacement=replacement, removed_in=removed_in)
    if old:
        with pytest.raises(ValueError, match=message):
            deprecated(replacement=replacement, removed_in=removed_in, name=old)(area)
