"""The host side of a fill: argument checks, seeding, the request, shard layout, kernel
parameters (everything below the public edge and above the engine)."""
