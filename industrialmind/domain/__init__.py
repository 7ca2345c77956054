"""The domain: the asset model (sites, lines, assets, sensors, failure modes) and the vocabulary of quantities.

It sits below every room, the stores included, and imports nothing of the project but `errors`.
"""
