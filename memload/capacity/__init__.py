"""`memload capacity`: the arrival-rate search over real runs (decisions, the probes, the command).
Its report is analysis/capacity's."""
