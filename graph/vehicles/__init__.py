"""Vehicles and vehicle models: their types, the queries `vehicle`, `vehicles` and `models`,
and the mutations that record a model's announcement (or CCC certificate), a vehicle's factory
certificate or customs clearance (with the batteries installed), registration and scrapping.

A vehicle is visible to its automaker and to the dismantler that took it in; a vehicle or model
the caller may not report on gets exactly the answer an unknown one gets."""
