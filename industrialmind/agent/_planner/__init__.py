"""The offline planner's parts: text normalisation, entity linking, time parsing, intent routing, framing,
argument filling and answer templates; `agent/planner.py` puts them together."""
