"""Full-text search documents (issue 19): one ``tickets_ticketsearch`` row per ticket, kept by PostgreSQL.

``helpdesk_ticket_search_refresh(ids)`` is the one definition of what a ticket's search documents hold;
triggers call it whenever something that goes into them changes (the ticket's text, its messages and
attachments, its requester's and organization's names), whoever writes: a service, a bulk ``UPDATE`` of a
merge, an erasure, the admin. Statement-level triggers (transition tables) refresh each ticket once per
statement however many of its rows changed. SQLite keeps the empty table: search there is a plain scan
(``tickets.search``).
"""

from django.db import migrations, models
import django.contrib.postgres.search
import django.db.models.deletion

# Text caps: a message counts for its first 20,000 characters and a ticket's thread for 400,000, so a
# tsvector never nears PostgreSQL's 1 MB limit (past it the INSERT of the message itself would fail).
REFRESH = r"""
CREATE OR REPLACE FUNCTION helpdesk_ticket_search_refresh(ids bigint[], lock boolean DEFAULT true)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF lock THEN
        -- Take the tickets first: the INSERT below then reads with a fresh snapshot, so two writers on
        -- one ticket cannot each store a document that misses the other's message.
        PERFORM 1 FROM tickets_ticket WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    INSERT INTO tickets_ticketsearch (ticket_id, public_document, staff_document)
    SELECT d.id, d.public_document, d.public_document || d.staff_extra
    FROM (
        SELECT
            t.id,
            -- 'hdref<id>': the ticket's own number as one lexeme, so a typed reference (HD-12) is an
            -- index lookup like any word (tickets.search.query_text).
            setweight(('hdref' || t.id)::tsvector, 'A')
            || setweight(to_tsvector('english', t.subject), 'A')
            || setweight(to_tsvector('english',
                   concat_ws(' ', u.full_name, u.email, o.name, o.customer_number)), 'B')
            || setweight(jsonb_to_tsvector('english', t.request_fields, '["string", "numeric"]'), 'B')
            || setweight(to_tsvector('english', coalesce(a.public_names, '')), 'B')
            || setweight(to_tsvector('english',
                   left(t.description, 20000) || ' ' || coalesce(m.public_text, '')), 'C')
                AS public_document,
            setweight(to_tsvector('english',
                coalesce(m.staff_text, '') || ' ' || coalesce(a.staff_names, '')), 'C') AS staff_extra
        FROM tickets_ticket t
        JOIN accounts_user u ON u.id = t.requester_id
        JOIN accounts_organization o ON o.id = t.organization_id
        LEFT JOIN LATERAL (
            SELECT
                left(string_agg(left(x.body, 20000), ' ' ORDER BY x.created_at, x.id)
                     FILTER (WHERE x.kind = 'public'), 400000) AS public_text,
                left(string_agg(left(x.body, 20000), ' ' ORDER BY x.created_at, x.id)
                     FILTER (WHERE x.kind = 'internal'), 400000) AS staff_text
            FROM tickets_message x
            WHERE x.ticket_id = t.id
        ) m ON true
        LEFT JOIN LATERAL (
            -- As tickets.attachments.attachments_visible_to: a customer sees the files of public
            -- messages and of none; the files of internal notes are the staff's.
            -- A name as written and split into its words ("trace-log.txt" is one token otherwise).
            SELECT
                string_agg(f.words, ' ') FILTER (WHERE f.message_id IS NULL OR fm.kind = 'public')
                    AS public_names,
                string_agg(f.words, ' ') FILTER (WHERE f.message_id IS NOT NULL AND fm.kind <> 'public')
                    AS staff_names
            FROM (
                SELECT message_id, filename || ' ' || regexp_replace(filename, '[^[:alnum:]]+', ' ', 'g') AS words
                FROM tickets_attachment WHERE ticket_id = t.id
            ) f
            LEFT JOIN tickets_message fm ON fm.id = f.message_id
        ) a ON true
        WHERE t.id = ANY(ids)
    ) d
    ON CONFLICT (ticket_id) DO UPDATE
        SET public_document = EXCLUDED.public_document, staff_document = EXCLUDED.staff_document;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_new_tickets() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(SELECT id FROM new_rows), false);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_ticket_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_tickets_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM tickets_ticketsearch WHERE ticket_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$fn$;

-- Messages and attachments: one function per table and operation (transition tables differ).
CREATE OR REPLACE FUNCTION helpdesk_search_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(SELECT DISTINCT ticket_id FROM new_rows));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(SELECT DISTINCT ticket_id FROM old_rows));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_messages_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(
        SELECT v.ticket_id FROM (
            SELECT n.ticket_id AS now_on, o.ticket_id AS was_on FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.body, n.kind, n.ticket_id) IS DISTINCT FROM (o.body, o.kind, o.ticket_id)
        ) c, LATERAL (VALUES (c.now_on), (c.was_on)) v(ticket_id)
        GROUP BY v.ticket_id
    ));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_attachments_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(
        SELECT v.ticket_id FROM (
            SELECT n.ticket_id AS now_on, o.ticket_id AS was_on FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.filename, n.message_id, n.ticket_id) IS DISTINCT FROM (o.filename, o.message_id, o.ticket_id)
        ) c, LATERAL (VALUES (c.now_on), (c.was_on)) v(ticket_id)
        GROUP BY v.ticket_id
    ));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_requester_renamed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(SELECT id FROM tickets_ticket WHERE requester_id = NEW.id));
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION helpdesk_search_organization_renamed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM helpdesk_ticket_search_refresh(ARRAY(SELECT id FROM tickets_ticket WHERE organization_id = NEW.id));
    RETURN NULL;
END
$fn$;

CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_new_tickets();
CREATE TRIGGER ticket_search_update AFTER UPDATE ON tickets_ticket FOR EACH ROW
    WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.description IS DISTINCT FROM NEW.description
          OR OLD.request_fields IS DISTINCT FROM NEW.request_fields
          OR OLD.requester_id IS DISTINCT FROM NEW.requester_id
          OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION helpdesk_search_ticket_changed();
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_tickets_deleted();

CREATE TRIGGER message_search_insert AFTER INSERT ON tickets_message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_rows_inserted();
CREATE TRIGGER message_search_update AFTER UPDATE ON tickets_message
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_messages_updated();
CREATE TRIGGER message_search_delete AFTER DELETE ON tickets_message
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_rows_deleted();

CREATE TRIGGER attachment_search_insert AFTER INSERT ON tickets_attachment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_rows_inserted();
CREATE TRIGGER attachment_search_update AFTER UPDATE ON tickets_attachment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_attachments_updated();
CREATE TRIGGER attachment_search_delete AFTER DELETE ON tickets_attachment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_search_rows_deleted();

CREATE TRIGGER user_search_rename AFTER UPDATE ON accounts_user FOR EACH ROW
    WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION helpdesk_search_requester_renamed();
CREATE TRIGGER organization_search_rename AFTER UPDATE ON accounts_organization FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.customer_number IS DISTINCT FROM NEW.customer_number)
    EXECUTE FUNCTION helpdesk_search_organization_renamed();

CREATE INDEX ticketsearch_public_gin ON tickets_ticketsearch USING gin (public_document);
CREATE INDEX ticketsearch_staff_gin ON tickets_ticketsearch USING gin (staff_document);
"""

UNDO = r"""
DROP TRIGGER IF EXISTS ticket_search_insert ON tickets_ticket;
DROP TRIGGER IF EXISTS ticket_search_update ON tickets_ticket;
DROP TRIGGER IF EXISTS ticket_search_delete ON tickets_ticket;
DROP TRIGGER IF EXISTS message_search_insert ON tickets_message;
DROP TRIGGER IF EXISTS message_search_update ON tickets_message;
DROP TRIGGER IF EXISTS message_search_delete ON tickets_message;
DROP TRIGGER IF EXISTS attachment_search_insert ON tickets_attachment;
DROP TRIGGER IF EXISTS attachment_search_update ON tickets_attachment;
DROP TRIGGER IF EXISTS attachment_search_delete ON tickets_attachment;
DROP TRIGGER IF EXISTS user_search_rename ON accounts_user;
DROP TRIGGER IF EXISTS organization_search_rename ON accounts_organization;
DROP FUNCTION IF EXISTS helpdesk_search_new_tickets();
DROP FUNCTION IF EXISTS helpdesk_search_ticket_changed();
DROP FUNCTION IF EXISTS helpdesk_search_tickets_deleted();
DROP FUNCTION IF EXISTS helpdesk_search_rows_inserted();
DROP FUNCTION IF EXISTS helpdesk_search_rows_deleted();
DROP FUNCTION IF EXISTS helpdesk_search_messages_updated();
DROP FUNCTION IF EXISTS helpdesk_search_attachments_updated();
DROP FUNCTION IF EXISTS helpdesk_search_requester_renamed();
DROP FUNCTION IF EXISTS helpdesk_search_organization_renamed();
DROP FUNCTION IF EXISTS helpdesk_ticket_search_refresh(bigint[], boolean);
"""

BATCH = 5000


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(REFRESH)
        # Existing tickets, in batches of ids (a million tickets take minutes: see bench/README.md).
        last = 0
        while True:
            cursor.execute(
                "SELECT array_agg(id) FROM (SELECT id FROM tickets_ticket WHERE id > %s ORDER BY id LIMIT %s) b",
                [last, BATCH],
            )
            ids = cursor.fetchone()[0]
            if not ids:
                break
            cursor.execute("SELECT helpdesk_ticket_search_refresh(%s::bigint[], false)", [ids])
            last = max(ids)
        cursor.execute("ANALYZE tickets_ticketsearch")  # the planner needs the lexemes' frequencies


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0013_tags"),
        ("accounts", "0004_team_auto_assign"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketSearch",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                ("public_document", django.contrib.postgres.search.SearchVectorField(null=True)),
                ("staff_document", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
