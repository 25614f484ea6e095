"""The Windows version resource (Explorer's Details tab) built from the package version.

PyInstaller reads it as a small Python-literal file; writing that text from
``nanostudio.__version__`` keeps one source of truth for the version.
"""

from __future__ import annotations

import re

_NUMBERS = re.compile(r"\d+(?:\.\d+)*")


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """The four numbers Windows wants: leading numeric parts, padded with zeros.

    "0.1.0" → (0, 1, 0, 0); "1.2rc1" → (1, 2, 0, 0). Each part must fit 16 bits.
    """
    match = _NUMBERS.match(version.strip())
    if match is None:
        raise ValueError(f"version {version!r} does not start with a number")
    numbers = [int(part) for part in match.group(0).split(".")][:4]
    if any(number > 0xFFFF for number in numbers):
        raise ValueError(f"version {version!r} has a part above 65535")
    padded = (*numbers, 0, 0, 0, 0)
    return (padded[0], padded[1], padded[2], padded[3])


def version_file_text(
    *,
    app_name: str,
    version: str,
    exe_name: str,
    description: str,
    company: str,
    copyright_notice: str,
) -> str:
    """PyInstaller ``version=`` file text for one executable (US English, Unicode)."""
    numbers = version_tuple(version)
    strings = [
        ("CompanyName", company),
        ("FileDescription", description),
        ("FileVersion", version),
        ("InternalName", app_name),
        ("LegalCopyright", copyright_notice),
        ("OriginalFilename", exe_name),
        ("ProductName", app_name),
        ("ProductVersion", version),
    ]
    string_lines = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings
    )
    return (
        "VSVersionInfo(\n"
        "  ffi=FixedFileInfo(\n"
        f"    filevers={numbers!r},\n"
        f"    prodvers={numbers!r},\n"
        "    mask=0x3F,\n"
        "    flags=0x0,\n"
        "    OS=0x40004,\n"
        "    fileType=0x1,\n"
        "    subtype=0x0,\n"
        "    date=(0, 0),\n"
        "  ),\n"
        "  kids=[\n"
        "    StringFileInfo([\n"
        "      StringTable(\n"
        "        '040904B0',\n"
        "        [\n"
        f"{string_lines},\n"
        "        ],\n"
        "      )\n"
        "    ]),\n"
        "    VarFileInfo([VarStruct('Translation', [0x0409, 1200])]),\n"
        "  ],\n"
        ")\n"
    )
