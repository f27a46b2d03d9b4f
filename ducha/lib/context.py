from django.conf import settings


def site(request):
    """What every page's frame needs: the city's name and the signed-in user's role."""
    user = getattr(request, "user", None)
    return {
        "city": settings.DUCHA_CITY,
        "office_name": settings.DUCHA_OFFICE_NAME,
        # Every page says so while the second factor is off (the demo): it must not go unseen.
        "mfa_off": not settings.DUCHA_MFA_REQUIRED,
        "role": getattr(user, "role", None) if user and user.is_authenticated else None,
    }
