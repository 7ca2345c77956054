"""A query as data: operators, aggregates and directions in the spellings people use, and its datasets' fields by
name or synonym; every bad name is an InvalidInputError naming the valid ones."""

from __future__ import annotations

import pytest

from industrialmind.errors import InvalidInputError
from industrialmind.query import DATASETS, Query, dataset
from industrialmind.query.model import Aggregate, Filter, Order
from industrialmind.query.resolve import parse


def test_filter_reads_operator_spellings_and_checks_values():
    """'>=' is ge, 'not in' is not_in with a list, 'between' needs [low, high]; an unknown operator is named."""
    assert Filter(field="rpn", op=">=", value=100).op == "ge"
    assert Filter(field="kind", op="not in", value="x").value == ["x"]
    with pytest.raises(InvalidInputError, match=r"\[low, high\]"):
        Filter(field="rpn", op="between", value=5)
    with pytest.raises(InvalidInputError, match="unknown operator 'around'"):
        Filter(field="rpn", op="around", value=5)


def test_aggregate_and_order_spellings():
    """'average' is mean, 'highest' ordering is descending."""
    assert Aggregate(fn="average", field="rpn").fn == "mean"
    assert Order(by="value", direction="highest").direction == "desc"


def test_parse_turns_validation_errors_into_one_line():
    """A malformed query (a limit that is no number) is one InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError, match="limit"):
        parse({"dataset": "work_orders", "limit": "lots"})
    with pytest.raises(InvalidInputError, match="more than 500"):
        parse({"dataset": "work_orders", "limit": 5000})
    assert isinstance(parse({"dataset": "events"}), Query)


def test_datasets_and_fields_by_name_synonym_and_plural():
    """Datasets and fields answer to their synonyms (an FMEA's own headers) and plurals."""
    assert dataset("Work orders").name == "work_orders" and dataset("FMEA").name == "failure_modes"
    fm = DATASETS["failure_modes"]
    assert fm.field("Potential Failure Mode").name == "failure_mode"
    assert fm.field("Sub-Component").name == "sub_component"
    assert fm.field("RPN").name == "rpn" and fm.field("mechanism").name == "cause"
    assert DATASETS["work_orders"].field("statuses").name == "status"
    with pytest.raises(InvalidInputError, match="did you mean 'subsystem'") as info:
        fm.field("subsytem")
    assert info.value.valid[0] == "subsystem"
