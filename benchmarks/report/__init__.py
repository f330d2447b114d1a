"""The benchmark report, made from pytest-benchmark's JSON (benchmarks/run.py drives it).

  rows      the JSON's benchmarks as rows (identity, per-frame times, kind-specific figures)
  fmt       number formats and markdown tables
  targets   the issues' targets, each read on matching rows of one run
  ratios    the comparisons table
  regress   the baseline (one earlier run on the same CPU) and the regression verdicts
  sections  markdown sections: rows, compile, memory, scaling, regression check
  markdown  the whole report and what CI prints
  plot      the PNG

Statistic: every repeated-call row is timed as whole calls (a trial or a batch) and reported
per frame as min over rounds of call time / frames per call (the median is shown beside it).
On a shared, noisy machine the minimum is the most repeatable estimate of a row's cost; ratios
and targets use it. The legacy loop's steady per-frame time is the median over its frames that
did not compile (one call, per-frame timings it records itself).
"""
