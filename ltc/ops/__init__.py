"""Running LTC as a service: health and readiness, metrics, JSON logs with the request id,
the single beat and its heartbeat, reads of the dashboards on a replica (README "Operations")."""
