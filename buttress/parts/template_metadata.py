"""Kept importable for code written against it: the keys live in :mod:`buttress.rules.template_metadata`."""

from buttress.rules.template_metadata import SUBSCRIBER_METADATA, TOPIC_METADATA

__all__ = ["SUBSCRIBER_METADATA", "TOPIC_METADATA"]
