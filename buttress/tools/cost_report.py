"""Reports of :mod:`buttress.tools.cost`'s estimates: plain text, Markdown, and changes between two.

Pure string building over :class:`~buttress.tools.cost_rules.StackCost`; the command line is
:mod:`buttress.tools.cost`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from buttress.tools.cost_rules import StackCost, Template, estimate_template
from buttress.tools.prices import PriceTable, Rate, load_prices

# -- rendering ------------------------------------------------------------------------------------


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _unit(rate: Rate) -> str:
    return f"${rate.usd:g}/{rate.per}"


def render_text(costs: Sequence[StackCost], prices: PriceTable, *, verbose: bool = False) -> str:
    """A plain-text report: per stack, the priced lines, what is usage-based and what is not priced."""
    out = [
        f"Fixed monthly cost at {prices.region} list prices as of {prices.as_of} "
        f"({prices.hours_per_month:g} h/month; verify before relying). Per stack, before account-wide free "
        "tiers (e.g. 10 alarm metrics, 3 dashboards) and discounts."
    ]
    for cost in costs:
        out.append("")
        out.append(f"{cost.name}: {_money(cost.monthly)}/month fixed")
        for rate, qty, monthly, n in cost.by_rate():
            out.append(f"  {rate.what:<46} {qty:>7.4g} x {_unit(rate):<16} {_money(monthly):>10}  ({n} resource(s))")
        if verbose:
            out.extend(f"    note {note}" for note in cost.notes())
        if cost.usage_based:
            usage = ", ".join(f"{t} x{n}" for t, n in sorted(cost.usage_based.items()))
            out.append(f"  usage-based only (not in the total): {usage}")
        for logical_id, type_, reason in cost.not_priced:
            out.append(f"  NOT PRICED {logical_id} ({type_}): {reason}")
    if len(costs) > 1:
        out.append("")
        out.append(f"All stacks: {_money(sum(c.monthly for c in costs))}/month fixed")
    return "\n".join(out)


def render_markdown(costs: Sequence[StackCost], prices: PriceTable) -> str:
    """A Markdown table: one row per stack with its biggest items (for the README)."""
    rows = [
        "| stack | fixed $/month | main items | usage-based or not priced |",
        "|---|---:|---|---|",
    ]
    for cost in costs:
        items = "; ".join(f"{qty:g} x {rate.what} {_money(monthly)}" for rate, qty, monthly, _ in cost.by_rate()[:4])
        extra = sorted(cost.usage_based) + sorted({t for _, t, _ in cost.not_priced})
        rows.append(f"| {cost.name} | {cost.monthly:,.2f} | {items or '-'} | {', '.join(extra) or '-'} |")
    if len(costs) > 1:
        rows.append(f"| **all** | **{sum(c.monthly for c in costs):,.2f}** | | |")
    rows.append("")
    rows.append(
        f"{prices.region} list prices as of {prices.as_of}, {prices.hours_per_month:g} hours a month, "
        "before free tiers and discounts; verify before relying."
    )
    return "\n".join(rows)


def compare(before: Iterable[StackCost], after: Iterable[StackCost]) -> list[tuple[str, float, float]]:
    """(stack, before, after) for every stack whose fixed monthly cost changed, added or removed."""
    old = {c.name: c.monthly for c in before}
    new = {c.name: c.monthly for c in after}
    changes = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name, 0.0), new.get(name, 0.0)
        if round(a, 2) != round(b, 2) or (name in old) != (name in new):
            changes.append((name, a, b))
    return changes


def render_compare(changes: Sequence[tuple[str, float, float]]) -> str:
    if not changes:
        return "Fixed monthly cost: no change."
    lines = ["Fixed monthly cost change:"]
    for name, a, b in changes:
        lines.append(f"  {name}: {_money(a)} -> {_money(b)} ({'+' if b >= a else '-'}{_money(abs(b - a))}/month)")
    total = sum(b - a for _, a, b in changes)
    lines.append(f"  total: {'+' if total >= 0 else '-'}{_money(abs(total))}/month")
    return "\n".join(lines)


def render_template_change(name: str, before: Template, after: Template, prices: PriceTable | None = None) -> str:
    """One stack's fixed-cost change between two templates, per rate (for ``make diff``).

    Either template may be ``{}`` (a new or removed stack).
    """
    table = prices or load_prices()
    old, new = estimate_template(before, table, name=name), estimate_template(after, table, name=name)
    old_rates = {rate.key: (rate, qty, monthly) for rate, qty, monthly, _ in old.by_rate()}
    new_rates = {rate.key: (rate, qty, monthly) for rate, qty, monthly, _ in new.by_rate()}
    delta = new.monthly - old.monthly
    sign = "+" if delta >= 0 else "-"
    lines = [f"{name} fixed monthly cost: {_money(old.monthly)} -> {_money(new.monthly)} ({sign}{_money(abs(delta))})"]
    for key in sorted(set(old_rates) | set(new_rates)):
        rate = (old_rates.get(key) or new_rates[key])[0]
        _, qty_a, money_a = old_rates.get(key, (rate, 0.0, 0.0))
        _, qty_b, money_b = new_rates.get(key, (rate, 0.0, 0.0))
        if round(money_a, 2) != round(money_b, 2):
            change = money_b - money_a
            lines.append(
                f"  {rate.what}: {qty_a:g} -> {qty_b:g} ({'+' if change >= 0 else '-'}{_money(abs(change))}/month)"
            )
    added = sorted({t for _, t, _ in new.not_priced} - {t for _, t, _ in old.not_priced})
    if added:
        lines.append(f"  newly not priced: {', '.join(added)}")
    return "\n".join(lines)
