"""Figures and tables of a run's outputs for analysts: what the notebooks in ``notebooks/`` call.

The notebooks hold no logic of their own; each plotting function here draws on the matplotlib
Axes it is given and returns it, so that tests can inspect what a reader sees (legends,
colourbars, labels). Levels and probabilities come from :mod:`pipeline.assessment`, never
recomputed here.
"""
