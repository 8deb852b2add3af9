"""Masking of personal data for screens, the CLI, the manifest and logs.

Names and ID numbers are shown masked wherever they need not be whole, so a photo of
the screen or a shared log never carries a student's identity.
"""


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, Li Wei -> L****i: first and last character kept."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    """310101199001011234 -> 3101**********1234: region and last four kept."""
    id_number = id_number.strip()
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
