"""The read models' fast __init__ (fields written straight into the instance dict) keeps
the dataclass's meaning: every field set, defaults, equality, hashing, frozen, replace."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from crm_tui.domain import records


def test_every_frozen_record_has_the_fast_init() -> None:
    frozen = [value for value in vars(records).values()
              if isinstance(value, type) and value.__module__ == records.__name__
              and dataclasses.is_dataclass(value)
              and value.__dataclass_params__.frozen]  # type: ignore[attr-defined]
    assert len(frozen) >= 20 and set(frozen) == set(records.FAST_RECORDS)
    for cls in frozen:
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"
        assert cls.__init__.__code__.co_filename == "<string>"  # ours, not dataclasses'


@pytest.mark.parametrize("cls", records.FAST_RECORDS, ids=lambda c: c.__name__)
def test_fast_init_sets_each_field_and_keeps_the_dataclass_meaning(cls: type) -> None:
    fields = dataclasses.fields(cls)
    params = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in params] == [f.name for f in fields]  # same order, positional
    values = {f.name: object() for f in fields}  # a distinct value per field
    built = cls(*values.values())
    assert all(getattr(built, name) is value for name, value in values.items())
    assert vars(built).keys() == values.keys()  # nothing else in the instance
    assert built == cls(**values) and hash(built) == hash(cls(**values))
    assert built != cls(*[object() for _ in fields])
    required = {f.name: values[f.name] for f in fields
                if f.default is dataclasses.MISSING}
    defaulted = cls(**required)
    for f in fields:
        expected = values[f.name] if f.default is dataclasses.MISSING else f.default
        assert getattr(defaulted, f.name) is expected
    name = fields[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, name, 1)
    changed = dataclasses.replace(built, **{name: "other"})
    assert getattr(changed, name) == "other" and getattr(built, name) is values[name]
    with pytest.raises(TypeError):
        cls(*values.values(), object())  # one too many


def test_plural_counts_say_one_or_many() -> None:
    """'1 orders' and 'Imported 1 customers' read wrong."""
    from crm_tui.domain.text import plural

    assert plural(1, "order") == "1 order"
    assert plural(0, "order") == "0 orders"
    assert plural(1234, "order") == "1,234 orders"
    assert plural(2, "facility", "facilities") == "2 facilities"
    assert plural(1, "facility", "facilities") == "1 facility"
