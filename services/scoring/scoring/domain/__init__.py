"""Scoring domain (pure): member score sheets, council results and star ranking, councils.

- `sheet_scoring`: a member's sheet (one option per leaf criterion), validation, totals, knock-outs.
- `ranking`: council mean, star band, star-minimum caps, routing between evaluation levels.
- `composition`: a council's make-up, its quorum, conflicts of interest.
- `council`: one council scoring one product: one blind sheet per member, finalisation.
- `evaluation`: the evaluation aggregate (open, council assigned, scored / escalated / closed),
  which records the events of its stream.
- `outcome`: what a finalised result means for the evaluation (close, escalate, decide).
- `bands`: `stars_for(mean)` on the regulation's bands.
"""
