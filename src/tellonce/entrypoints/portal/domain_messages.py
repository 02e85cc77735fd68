"""The domain's own error messages that the change-of-address journey can show, marked here so
that Babel extracts them for translation. The domain speaks English (so does the API); the
portal translates what it shows. A unit test keeps this list in step with the domain."""

from __future__ import annotations

from tellonce.entrypoints.portal.i18n import N_

CHANGE_OF_ADDRESS_MESSAGES = (
    N_("Enter a real postcode, like LS1 1UR"),
    N_("Enter a National Insurance number in the correct format, like QQ 12 34 56 C"),
    N_("Enter a 10 digit NHS number, like 943 476 5919"),
    N_("Enter a real NHS number, like 943 476 5919"),
    N_("Enter a UK phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"),
    N_("Enter an email address in the correct format, like name@example.com"),
    N_("Remove any special or hidden characters"),
    N_("Enter 100 characters or fewer"),
    N_("Enter 60 characters or fewer"),
    N_("Name must be 100 characters or fewer"),
    N_("Name must only include letters, spaces, hyphens, apostrophes and full stops"),
    N_("Name must include at least one letter"),
    N_("The move date must be today, in the past or within the next 3 months"),
    N_("The move date must be on or after the date of birth"),
    N_("The new address must be different from the previous address"),
)

# A death's or a birth's registration reference refused (service_layer/registrations.py).
REGISTRATION_MESSAGES = (
    N_("Enter the registration reference the registrar gave you: this one is not recognised"),
    N_("This registration reference has expired: ask the registrar for a new one"),
    N_("This registration reference has already been used to report this"),
    N_("This does not match what the registrar recorded"),
)
