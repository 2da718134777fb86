from django.conf import settings


def site(request):
    return {
        "HELPDESK_NAME": settings.HELPDESK_NAME,
        "SUPPORT_PHONE": settings.HELPDESK_SUPPORT_PHONE,
    }
