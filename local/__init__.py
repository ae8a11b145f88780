"""The whole stack on one machine: embedded AWS services (moto), tables created from
template.yaml, an API Gateway HTTP API emulator that verifies dev tokens and calls the API
Lambda handler with real payload v2.0 events, and the commands that start it and mint tokens;
``local.stack`` starts it as a child process for the end-to-end tests and the load test.
"""
