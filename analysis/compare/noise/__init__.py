"""How much two runs of identical settings differ (run-to-run noise), and the test of a change
that allows for it (issue 15): compare/noise/model.py, compare/noise/calibrate.py."""
