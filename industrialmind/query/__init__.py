"""IndustrialMind: the query layer. A small semantic layer over everything the project stores: datasets with
typed fields (work orders, events, fault labels, failure modes of every source, the asset registry, sensor
readings), queries as data (filters, a time window, an aggregate, a group, an order, a limit), compiled to
parameterised SQL on the records store or to the time-series store's own query.

`run_query(stores, query)` answers one query; `vocabulary(stores, dataset)` says what can be asked of a dataset
and which values its categories hold. It sits between the tools above and the rooms below (stores, domain).
"""

from industrialmind.query.datasets import DATASETS, dataset
from industrialmind.query.model import Aggregate, Filter, Order, Query, Window
from industrialmind.query.result import QueryResult
from industrialmind.query.run import run_query
from industrialmind.query.vocabulary import datasets_overview, vocabulary

__all__ = ["DATASETS", "Aggregate", "Filter", "Order", "Query", "QueryResult", "Window", "dataset",
           "datasets_overview", "run_query", "vocabulary"]
