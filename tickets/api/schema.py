"""Schema post-processing: name the server the schema was fetched from, and document the error
answers every operation can give, so the OpenAPI document matches what the API really returns
(schemathesis checks exactly that)."""

from django.conf import settings

_MESSAGES = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` for errors about the whole request; otherwise field name -> list of messages "
    "(`non_field_errors` for the request as a whole). A list-valued field's messages are keyed by index.",
    "properties": {
        "detail": {"type": "string", "description": "Why the whole request was refused."},
        "non_field_errors": {**_MESSAGES, "description": "Messages about the request as a whole."},
    },
    "additionalProperties": {
        "anyOf": [_MESSAGES, {"type": "object", "additionalProperties": _MESSAGES}],
        "description": "A field's messages.",
    },
}

ERRORS = {
    "400": "Invalid input: field name -> list of messages (`non_field_errors` for the whole request).",
    "401": "Not signed in: send `Authorization: Token <key>` or a session cookie.",
    "403": "Signed in, but your role may not do this.",
    "404": "No such object, or not one you can see.",
    "409": "The object's current state refuses the request (`detail` says why).",
    "415": "The request body's Content-Type is not one this operation accepts, or is malformed.",
    "429": "Too many writes; retry after the number of seconds in `Retry-After`.",
}


def _add(operation: dict, code: str) -> None:
    operation["responses"].setdefault(
        code,
        {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    )


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for code in list(responses):
                # Our own 400/404/409 entries were declared as free objects: point them at Error.
                if code in ("400", "404", "409"):
                    responses[code] = {
                        "description": ERRORS[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    }
            secured = operation.get("security") != [{}] and operation.get("security") != []
            if secured:
                _add(operation, "401")
                _add(operation, "403")
            if "{" in path:
                _add(operation, "404")
            if operation.get("parameters") or operation.get("requestBody"):
                _add(operation, "400")
            if operation.get("requestBody"):
                _add(operation, "415")
            if method in ("post", "put", "patch", "delete"):
                _add(operation, "429")
    return result


def name_the_server(result, generator, request, public):
    """`servers`: where this schema was fetched from (so the docs' "Try it out" and generated
    clients call the same host and port), or SITE_URL when written by `manage.py spectacular`."""
    url = request.build_absolute_uri("/") if request is not None else f"{settings.SITE_URL}/"
    result["servers"] = [{"url": url.rstrip("/"), "description": "This helpdesk."}]
    return result
