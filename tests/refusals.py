"""What a service's refusal says, read from `pytest.raises(ValidationError)`'s excinfo."""


def refusal(excinfo) -> str:
    """Every message of the refusal, in one line."""
    return " ".join(excinfo.value.messages)


def field_errors(excinfo) -> dict[str, list[str]]:
    """The refusal's messages by the field they name."""
    return excinfo.value.message_dict
