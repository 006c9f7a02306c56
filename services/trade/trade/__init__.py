"""Trade promotion service: showrooms, per-showroom catalogs for POS, fairs, feeds."""
