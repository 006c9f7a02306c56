"""Registry service: OCOP entities, products, dossiers and submissions."""
