"""The technician workspace, one module per area: queue, ticket work, inbound mail, incidents,
governance (abuse decisions) and the SLA dashboard; ``_common`` holds the access decorators and the
"try the service, say how it went, go back" helpers they share."""
