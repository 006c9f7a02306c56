"""HTTP kit shared by the services' FastAPI apps."""
