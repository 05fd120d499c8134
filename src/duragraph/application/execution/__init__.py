"""Run execution: which executor takes a run (placement), claiming it under a
new epoch with its lease (claim), and recording its outcome (finish). The
invariants of all three are written once, in placement's docstring."""
