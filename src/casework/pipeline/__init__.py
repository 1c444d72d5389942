"""The build pipeline: parameters, cache, notebook execution, recorded values.

`casework run` lives in `run.py`; each other module does one step of it.
"""
