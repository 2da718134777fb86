"""The API's views, one module per resource: tickets and their actions, what hangs off a ticket
(messages, attachments, events), the queue, configuration and the index. Errors: input that is wrong in
itself is a 400 with field messages; a well-formed request that the ticket's current state refuses (a
service's ``TicketError`` on an existing ticket, e.g. resolving a closed ticket) is a 409 with
``detail``; a ticket the caller cannot see is a 404, whoever they are."""
