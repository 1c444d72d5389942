"""Analyses: functions from validated DataFrames to tables and result objects."""
