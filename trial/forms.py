"""What every form view does with a service's ValidationError."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's errors on the form: under their field when the form has it, else at
    the top. A service may raise a dict of field errors or plain messages (no field)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
