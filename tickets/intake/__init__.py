"""Email intake: raw RFC 822 (``manage.py ingest_email``) and anymail's inbound webhooks both end in
``tickets.intake.service.email_ingest``."""
