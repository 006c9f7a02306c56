"""Scoring domain (pure): member score sheets, council results and star ranking, councils.

- `sheet_scoring`: a member's sheet (one option per leaf criterion), validation, totals, knock-outs.
- `ranking`: council mean, star band, star-minimum caps, routing between evaluation levels.
- `council`: composition, quorum, conflicts of interest, one blind sheet per member, finalisation.
- `bands`: `stars_for(mean)` on the regulation's bands.
"""
